//! A site's masking rules for the leak suite: into the relay's configuration, and as rrweb's options.

use super::scenarios::Group;
use serde_json::{json, Value};

/// The site's masking rules, exactly as the relay delivers them to the visitor.
pub use cobrowse_protocol::MaskingRules as Rules;

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Group {
    /// The relay's rules for the site while this group's scenarios run.
    pub fn rules(self) -> Rules {
        match self {
            Group::Default => Rules::default(),
            Group::Selectors => Rules {
                mask_selectors: strings(&[".ssn"]),
                block_selectors: strings(&[".secret-widget"]),
                unmask_selectors: strings(&[".public"]),
                mask_all_inputs: true,
                mask_all_text: false,
            },
            Group::AllText => {
                Rules { unmask_selectors: strings(&[".public"]), mask_all_text: true, ..Rules::default() }
            }
        }
    }

    /// A name for the summary.
    pub fn name(self) -> &'static str {
        match self {
            Group::Default => "default",
            Group::Selectors => "selectors",
            Group::AllText => "all-text",
        }
    }
}

/// Puts `rules` into every site of the relay's configuration (`SiteConfig::masking`).
pub fn configure(config: &mut cobrowse_relay::Config, rules: &Rules) {
    for site in &mut config.sites {
        site.masking = rules.clone();
    }
}

/// rrweb 2.2.2's `record()` options closest to `rules` (the `emit` callback is added by the page script).
///
/// The mapping:
/// - our markers `data-cobrowse-mask`, `.cobrowse-mask`, `glance_masked="true"` and `mask_selectors` →
///   `maskTextSelector` (rrweb masks the text of matching elements and their descendants) and
///   `maskTextClass: 'cobrowse-mask'`; `mask_all_text` → `maskTextSelector: '*'`;
/// - password inputs masked by default → `maskInputOptions: { password: true }`; rrweb has no option for
///   hidden inputs or `autocomplete` card and one-time-code fields, nor for inputs inside a masked element;
/// - `mask_all_inputs` → `maskAllInputs: true`;
/// - `data-cobrowse-block` and `block_selectors` → `blockSelector`, and `blockClass: 'cobrowse-block'`;
/// - `unmask_selectors`: rrweb 2.2.2 has no allow-list, so under `mask_all_text` rrweb masks the allow-listed
///   text too (its control then shows nothing: only our run needs it);
/// - everything else at rrweb's defaults (`maskInputFn`/`maskTextFn` unset: rrweb's own `*` masking).
pub fn rrweb_options(rules: &Rules) -> Value {
    let mut mask = vec!["[data-cobrowse-mask]".to_string(), ".cobrowse-mask".into(), "[glance_masked=\"true\"]".into()];
    mask.extend(rules.mask_selectors.iter().cloned());
    let mask_text_selector = if rules.mask_all_text { "*".to_string() } else { mask.join(",") };
    let mut block = vec!["[data-cobrowse-block]".to_string()];
    block.extend(rules.block_selectors.iter().cloned());
    json!({
        "maskAllInputs": rules.mask_all_inputs,
        "maskInputOptions": { "password": true },
        "maskTextSelector": mask_text_selector,
        "maskTextClass": "cobrowse-mask",
        "blockSelector": block.join(","),
        "blockClass": "cobrowse-block",
    })
}
