//! The leak suite's scenarios: one side door each. Their page parts are in `tests/pages/leaks/leaks.js`
//! under the same ids; the steps here run after an agent joined (a setup with no steps puts the secret in
//! place before the session starts, so the first snapshot must hide it).

/// Which relay configuration a scenario runs under (see [`Group::rules`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// The default rules: markers in the markup, secret inputs masked by default.
    Default,
    /// `mask_selectors [".ssn"]`, `block_selectors [".secret-widget"]`, `unmask_selectors [".public"]`,
    /// `mask_all_inputs`.
    Selectors,
    /// `mask_all_text`, `unmask_selectors [".public"]`.
    AllText,
}

/// One action after the agent joined.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// The scenario's next scripted step in `leaks.js` (`js[0]`, `js[1]`, ... in order).
    Js,
    /// Types the secret with real keystrokes (WebDriver send_keys) into this CSS selector in the section.
    Type(&'static str),
    /// Clicks this CSS selector in the section.
    Click(&'static str),
}

/// How long the scenario's secret is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// A length of its own (48 + the scenario's index).
    Unique,
    /// 240 characters.
    Long,
    /// 7 characters.
    Short,
}

/// One side door.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub id: &'static str,
    pub group: Group,
    /// The side door, in words.
    pub door: &'static str,
    pub steps: &'static [Step],
    /// A positive control: the secret is NOT masked and must be found.
    pub control: bool,
    pub size: Size,
}

const fn sc(id: &'static str, door: &'static str, steps: &'static [Step]) -> Scenario {
    Scenario { id, group: Group::Default, door, steps, control: false, size: Size::Unique }
}

const fn in_group(mut scenario: Scenario, group: Group) -> Scenario {
    scenario.group = group;
    scenario
}

const fn control(mut scenario: Scenario) -> Scenario {
    scenario.control = true;
    scenario
}

const fn sized(mut scenario: Scenario, size: Size) -> Scenario {
    scenario.size = size;
    scenario
}

use Step::{Click, Js, Type};
const TYPE_F: &[Step] = &[Type(".f")];
const JS1: &[Step] = &[Js];
const NONE: &[Step] = &[];

/// Every scenario, in the order they run.
pub const SCENARIOS: &[Scenario] = &[
    control(sc("control-plain-text", "CONTROL: plain text in markup, not masked", NONE)),
    control(sc("control-plain-typed", "CONTROL: typed into a plain input, not masked", TYPE_F)),
    sc("value-attribute", "value attribute in markup (data-cobrowse-mask)", NONE),
    sc("typed-keystrokes", "typed with real keystrokes", TYPE_F),
    sc("script-value-input-event", "el.value = secret, then input/change events", JS1),
    sc("script-value-no-event", "el.value = secret, no event", JS1),
    sc("default-value-script", "el.defaultValue = secret (value attribute from script)", JS1),
    sc("placeholder", "placeholder in markup", NONE),
    sc("placeholder-changed", "placeholder set from script later", JS1),
    sc("title", "title attribute", NONE),
    sc("alt", "img alt", NONE),
    sc("aria-label", "aria-label", NONE),
    sc("aria-description", "aria-description", NONE),
    sc("data-attribute", "data-* attribute", NONE),
    sc("option-text", "option text in a masked select", NONE),
    sc("option-value", "option value in a masked select", NONE),
    sc("option-label-attribute", "option label attribute in a masked select", NONE),
    sc("datalist-option", "datalist option value in a masked subtree", NONE),
    sc("selected-option", "selecting the option carrying the secret (value + change)", JS1),
    sc("option-added-and-selected", "new Option(secret) appended to a masked select and selected", JS1),
    sc("textarea-markup", "textarea content in markup", NONE),
    sc("textarea-typed", "textarea typed", TYPE_F),
    sc("textarea-script", "textarea value set from script + input", JS1),
    sc("contenteditable-typed", "contenteditable typed", TYPE_F),
    sc("contenteditable-insert-text", "contenteditable execCommand insertText", JS1),
    sc("radio-value", "radio value", NONE),
    sc("radio-clicked", "radio with the secret as value, clicked", &[Click(".f")]),
    sc("checkbox-value-checked", "checkbox value, checked from script", JS1),
    sc("label", "<label> text inside masked", NONE),
    sc("svg-text", "SVG <text> inside masked", NONE),
    sc("style-text", "<style> text (CSS content:) inside masked", NONE),
    sc("comment-markup", "comment inside masked, in markup", NONE),
    sc("comment-added", "comment appended inside masked later", JS1),
    sc("hidden-input-markup", "hidden input value, no marker", NONE),
    sc("hidden-input-script", "hidden input .value set from script (reflects to the attribute)", JS1),
    sc("password-markup", "password input value attribute, no marker", NONE),
    sc("password-typed", "password input typed, no marker", TYPE_F),
    sc("password-script-value", "password .value from script + input", JS1),
    sc("password-set-attribute", "password setAttribute('value')", JS1),
    sc("password-to-text-and-back", "password typed, switched to text, then back", &[Type(".f"), Js, Js]),
    sc("password-to-text-then-typed", "password switched to text, then typed", &[Js, Type(".f")]),
    sc("cc-number-typed", "autocomplete=cc-number typed, no marker", TYPE_F),
    sc("cc-number-script-no-event", "autocomplete=cc-number .value from script, no event", JS1),
    sc("cc-csc-typed", "autocomplete=cc-csc typed, no marker", TYPE_F),
    sc("cc-exp-markup", "autocomplete=cc-exp value in markup, no marker", NONE),
    sc("cc-exp-month-typed", "autocomplete=cc-exp-month typed, no marker", TYPE_F),
    sc("one-time-code-typed", "autocomplete=one-time-code typed, no marker", TYPE_F),
    sc("glance-masked-text", "glance_masked=\"true\" text", NONE),
    sc("glance-masked-typed", "input inside glance_masked=\"true\", typed", TYPE_F),
    sc("mask-class-text", "class cobrowse-mask text", NONE),
    sc("mask-class-added-then-typed", "class cobrowse-mask added later, then typed", &[Js, Type(".f")]),
    sc("mask-attribute-added-then-text", "data-cobrowse-mask added later, then text set", &[Js, Js]),
    sc("moved-in-same-batch", "secret <p> appended to a plain div and moved into masked in one task", JS1),
    sc("moved-between-masked", "secret <p> moved from one masked subtree to another", JS1),
    sc("appended-later", "node with secret text appended into masked later", JS1),
    sc("appended-subtree-later", "subtree (title, data-*, text, input value) appended into masked", JS1),
    sc("character-data-changed", "text node in masked changed by script (characterData)", JS1),
    sc("attribute-title-changed", "title set by script on a masked element", JS1),
    sc("attribute-aria-label-changed", "aria-label set by script on a masked input", JS1),
    sc("attribute-data-changed", "dataset.token set by script on a masked element", JS1),
    sc("inner-html-replaced", "innerHTML replaced inside masked", JS1),
    sc("clone-into-other-mask", "masked subtree cloneNode(true) into another masked area", JS1),
    sc("block-attribute", "data-cobrowse-block with secret text, value and title", NONE),
    sc("block-mutations", "mutations inside data-cobrowse-block later", JS1),
    sc("block-typed", "typed into an input inside data-cobrowse-block", TYPE_F),
    sc("shadow-root-markup", "open shadow root (text, input value) in a masked host", NONE),
    sc("shadow-root-mutation", "open shadow root text and input value changed later", JS1),
    sc("iframe-markup", "same-origin iframe (text, input value) inside masked", NONE),
    sc("iframe-mutation", "same-origin iframe inside masked: text appended, input value set", JS1),
    // Markup held as text (issue 8): each carrier at load, added later, and inside a masked subtree.
    sc("carrier-srcdoc-load", "iframe srcdoc holding marked markup, at load", NONE),
    sc("carrier-srcdoc-later", "iframe srcdoc holding marked markup, added later", JS1),
    sc("carrier-srcdoc-masked", "iframe srcdoc holding marked markup, inside a masked subtree", NONE),
    sc("carrier-srcdoc-sandboxed-load", "sandboxed (unreadable) iframe srcdoc holding marked markup, at load", NONE),
    sc(
        "carrier-srcdoc-sandboxed-later",
        "sandboxed (unreadable) iframe srcdoc holding marked markup, added later",
        JS1,
    ),
    sc(
        "carrier-srcdoc-sandboxed-masked",
        "sandboxed (unreadable) iframe srcdoc holding marked markup, inside a masked subtree",
        NONE,
    ),
    sc("carrier-iframe-data-url-load", "iframe src = data:text/html with marked markup, at load", NONE),
    sc("carrier-iframe-data-url-later", "iframe src = data:text/html with marked markup, added later", JS1),
    sc(
        "carrier-iframe-data-url-masked",
        "iframe src = data:text/html with marked markup, inside a masked subtree",
        NONE,
    ),
    sc("carrier-object-data-url-load", "object data = data:text/html with marked markup, at load", NONE),
    sc("carrier-object-data-url-later", "object data = data:text/html with marked markup, added later", JS1),
    sc(
        "carrier-object-data-url-masked",
        "object data = data:text/html with marked markup, inside a masked subtree",
        NONE,
    ),
    sc("carrier-link-data-url-load", "link href = data:text/html with marked markup, at load", NONE),
    sc("carrier-link-data-url-later", "link href = data:text/html with marked markup, added later", JS1),
    sc("carrier-link-data-url-masked", "link href = data:text/html with marked markup, inside a masked subtree", NONE),
    sc("carrier-javascript-url-load", "javascript: URL whose code holds marked markup, at load", NONE),
    sc("carrier-javascript-url-later", "javascript: URL whose code holds marked markup, added later", JS1),
    sc(
        "carrier-javascript-url-masked",
        "javascript: URL whose code holds marked markup, inside a masked subtree",
        NONE,
    ),
    sc("carrier-event-handler-load", "on* handler whose code holds marked markup, at load", NONE),
    sc("carrier-event-handler-later", "on* handler whose code holds marked markup, added later", JS1),
    sc("carrier-event-handler-masked", "on* handler whose code holds marked markup, inside a masked subtree", NONE),
    sc("carrier-svg-data-url-img-load", "img src = data:image/svg+xml with a marked <text>, at load", NONE),
    sc("carrier-svg-data-url-img-later", "img src = data:image/svg+xml with a marked <text>, added later", JS1),
    sc(
        "carrier-svg-data-url-img-masked",
        "img src = data:image/svg+xml with a marked <text>, inside a masked subtree",
        NONE,
    ),
    sc("carrier-svg-data-url-image-load", "SVG <image href> = data:image/svg+xml with a marked <text>, at load", NONE),
    sc(
        "carrier-svg-data-url-image-later",
        "SVG <image href> = data:image/svg+xml with a marked <text>, added later",
        JS1,
    ),
    sc(
        "carrier-svg-data-url-image-masked",
        "SVG <image href> = data:image/svg+xml with a marked <text>, inside a masked subtree",
        NONE,
    ),
    sc(
        "carrier-svg-data-url-style-attribute-load",
        "style attribute url(data:image/svg+xml) with a marked <text>, at load",
        NONE,
    ),
    sc(
        "carrier-svg-data-url-style-attribute-later",
        "style attribute url(data:image/svg+xml) with a marked <text>, added later",
        JS1,
    ),
    sc(
        "carrier-svg-data-url-style-attribute-masked",
        "style attribute url(data:image/svg+xml) with a marked <text>, inside a masked subtree",
        NONE,
    ),
    sc(
        "carrier-svg-data-url-style-element-load",
        "<style> url(data:image/svg+xml) with a marked <text>, at load",
        NONE,
    ),
    sc(
        "carrier-svg-data-url-style-element-later",
        "<style> url(data:image/svg+xml) with a marked <text>, added later",
        JS1,
    ),
    sc(
        "carrier-svg-data-url-style-element-masked",
        "<style> url(data:image/svg+xml) with a marked <text>, inside a masked subtree",
        NONE,
    ),
    sc("carrier-data-attribute-template-load", "data-* attribute holding a marked input as markup, at load", NONE),
    sc("carrier-data-attribute-template-later", "data-* attribute holding a marked input as markup, added later", JS1),
    sc(
        "carrier-data-attribute-template-masked",
        "data-* attribute holding a marked input as markup, inside a masked subtree",
        NONE,
    ),
    sc("carrier-title-markup-load", "title attribute holding marked markup, at load", NONE),
    sc("carrier-title-markup-later", "title attribute holding marked markup, added later", JS1),
    sc("carrier-title-markup-masked", "title attribute holding marked markup, inside a masked subtree", NONE),
    sc("carrier-noscript-load", "<noscript> content (raw text) with a marked input, at load", NONE),
    sc("carrier-noscript-later", "<noscript> content (raw text) with a marked input, added later", JS1),
    sc("carrier-noscript-masked", "<noscript> content (raw text) with a marked input, inside a masked subtree", NONE),
    sc(
        "carrier-iframe-element-text-load",
        "<iframe> element's own content (raw text) with marked markup, at load",
        NONE,
    ),
    sc(
        "carrier-iframe-element-text-later",
        "<iframe> element's own content (raw text) with marked markup, added later",
        JS1,
    ),
    sc(
        "carrier-iframe-element-text-masked",
        "<iframe> element's own content (raw text) with marked markup, inside a masked subtree",
        NONE,
    ),
    sc("carrier-noembed-load", "<noembed> content (raw text) with marked markup, at load", NONE),
    sc("carrier-noembed-later", "<noembed> content (raw text) with marked markup, added later", JS1),
    sc("carrier-noembed-masked", "<noembed> content (raw text) with marked markup, inside a masked subtree", NONE),
    sc("carrier-noframes-load", "<noframes> content (raw text) with marked markup, at load", NONE),
    sc("carrier-noframes-later", "<noframes> content (raw text) with marked markup, added later", JS1),
    sc("carrier-noframes-masked", "<noframes> content (raw text) with marked markup, inside a masked subtree", NONE),
    sc("carrier-xmp-load", "<xmp> markup shown as text with a marked input, at load", NONE),
    sc("carrier-xmp-later", "<xmp> markup shown as text with a marked input, added later", JS1),
    sc("carrier-xmp-masked", "<xmp> markup shown as text with a marked input, inside a masked subtree", NONE),
    sc("carrier-plaintext-load", "<plaintext> markup shown as text with marked markup, at load", NONE),
    sc("carrier-plaintext-later", "<plaintext> markup shown as text with marked markup, added later", JS1),
    sc(
        "carrier-plaintext-masked",
        "<plaintext> markup shown as text with marked markup, inside a masked subtree",
        NONE,
    ),
    sc("carrier-script-template-load", "<script type=text/template> holding a marked input, at load", NONE),
    sc("carrier-script-template-later", "<script type=text/template> holding a marked input, added later", JS1),
    sc(
        "carrier-script-template-masked",
        "<script type=text/template> holding a marked input, inside a masked subtree",
        NONE,
    ),
    sc("carrier-svg-script-load", "SVG <script> whose code holds marked markup, at load", NONE),
    sc("carrier-svg-script-later", "SVG <script> whose code holds marked markup, added later", JS1),
    sc("carrier-svg-script-masked", "SVG <script> whose code holds marked markup, inside a masked subtree", NONE),
    sc("carrier-comment-markup-load", "commented-out marked input, outside any mask, at load", NONE),
    sc("carrier-comment-markup-later", "commented-out marked input, outside any mask, added later", JS1),
    sc("carrier-comment-markup-masked", "commented-out marked input, outside any mask, inside a masked subtree", NONE),
    sc("carrier-template-element-load", "<template> content with a marked input, at load", NONE),
    sc("carrier-template-element-later", "<template> content with a marked input, added later", JS1),
    sc("carrier-template-element-masked", "<template> content with a marked input, inside a masked subtree", NONE),
    control(sc("control-markup-attribute", "CONTROL: unmarked markup in a data-* attribute, sent as it is", NONE)),
    control(sc("control-svg-data-url", "CONTROL: unmarked SVG data: URL image, sent as it is", NONE)),
    sc("carrier-srcdoc-set-later", "srcdoc set from script on an iframe already mirrored", JS1),
    sc("carrier-cssom-svg-rule-later", "insertRule with url(data:image/svg+xml) holding a marked <text>", JS1),
    sc("carrier-svg-blob-asset", "blob: SVG image holding a marked <text> (asset upload)", NONE),
    sized(sc("long-secret-password", "240-character secret typed into a password", TYPE_F), Size::Long),
    sized(sc("short-secret-text", "7-character secret as masked text", NONE), Size::Short),
    control(in_group(
        sc("control-selectors-plain-text", "CONTROL: plain text under the selector rules", NONE),
        Group::Selectors,
    )),
    in_group(sc("configured-mask-selector", "mask_selectors match (.ssn) text", NONE), Group::Selectors),
    in_group(sc("configured-mask-selector-added", "class ssn added later, then text set", &[Js, Js]), Group::Selectors),
    in_group(
        sc(
            "configured-mask-selector-in-markup-attribute",
            "mask_selectors match (.ssn) inside markup held in a data-* attribute",
            NONE,
        ),
        Group::Selectors,
    ),
    in_group(sc("configured-block-selector", "block_selectors match (.secret-widget)", NONE), Group::Selectors),
    in_group(sc("configured-block-mutation", "text appended inside a block_selectors match", JS1), Group::Selectors),
    in_group(sc("mask-all-inputs-typed", "mask_all_inputs: plain input typed", TYPE_F), Group::Selectors),
    in_group(sc("mask-all-inputs-markup", "mask_all_inputs: plain input value in markup", NONE), Group::Selectors),
    in_group(sc("mask-all-inputs-textarea", "mask_all_inputs: plain textarea", NONE), Group::Selectors),
    in_group(sc("mask-all-inputs-select", "mask_all_inputs: plain select option", NONE), Group::Selectors),
    in_group(
        sc("unmask-keeps-password-masked", "unmask_selectors (.public) around a typed password", TYPE_F),
        Group::Selectors,
    ),
    control(in_group(
        sc("control-all-text-unmasked", "CONTROL: text inside unmask_selectors under mask_all_text", NONE),
        Group::AllText,
    )),
    in_group(sc("mask-all-text-markup", "mask_all_text: plain text in markup", NONE), Group::AllText),
    in_group(sc("mask-all-text-appended", "mask_all_text: plain text appended later", JS1), Group::AllText),
    in_group(sc("mask-all-text-character-data", "mask_all_text: text node changed later", JS1), Group::AllText),
    in_group(
        sc("mask-all-text-svg-data-url", "mask_all_text: unmarked SVG data: URL image with text", NONE),
        Group::AllText,
    ),
    in_group(
        sc("mask-all-text-unmask-password", "mask_all_text + unmask (.public) around a typed password", TYPE_F),
        Group::AllText,
    ),
];
