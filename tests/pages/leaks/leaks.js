// The masking leak suite's scenarios, on the visitor's page (see tests/tests/leak_suite.rs).
//
// Every scenario owns one <section id="sc-ID"> with a <div class="body"> and one sentinel secret `s`.
// `setup(body, s)` runs before the session (or rrweb's recorder) starts: what it builds is the page's markup
// as the first snapshot sees it. `js[i](body, s)` are the scenario's scripted steps, run after an agent has
// joined, in the order the test's step list gives (typing and clicking steps are done by WebDriver).
// Secrets are ASCII letters, digits and dashes, so they can be put into markup as they are.
(function () {
  'use strict';

  function masked(html) { return '<div data-cobrowse-mask>' + html + '</div>'; }
  function set(body, html) { body.innerHTML = html; }
  function q(body, css) {
    var found = body.querySelector(css);
    if (!found) throw new Error('no ' + css + ' in ' + body.parentElement.id);
    return found;
  }
  function fire(element, type) { element.dispatchEvent(new Event(type, { bubbles: true, composed: true })); }
  function para(text) { var p = document.createElement('p'); p.textContent = text; return p; }
  function shadowHost(body, html) {
    set(body, '<div class="host" data-cobrowse-mask></div>');
    var root = q(body, '.host').attachShadow({ mode: 'open' });
    root.innerHTML = html;
    return root;
  }
  function iframeIn(body) {
    set(body, masked('<iframe class="f" style="height:50px;width:300px"></iframe>'));
    var doc = q(body, '.f').contentDocument;
    doc.open(); doc.write('<!doctype html><html><body></body></html>'); doc.close();
    return doc;
  }
  function markup(html) { return { setup: function (body, s) { set(body, html.split('SECRET').join(s)); } }; }
  function withSteps(html, steps) {
    var scenario = markup(html);
    scenario.js = steps;
    return scenario;
  }

  var S = {
    // Positive controls: the secret is NOT masked, so the search must find it.
    'control-plain-text': markup('<p class="plain">SECRET</p>'),
    'control-plain-typed': markup('<input class="f" aria-label="plain field">'),

    // Default rules: markers in markup.
    'value-attribute': markup(masked('<input value="SECRET">')),
    'typed-keystrokes': markup(masked('<input class="f">')),
    'script-value-input-event': withSteps(masked('<input class="f">'), [
      function (b, s) { var f = q(b, '.f'); f.value = s; fire(f, 'input'); fire(f, 'change'); }]),
    'script-value-no-event': withSteps(masked('<input class="f">'), [
      function (b, s) { q(b, '.f').value = s; }]),
    'default-value-script': withSteps(masked('<input class="f">'), [
      function (b, s) { q(b, '.f').defaultValue = s; }]),
    'placeholder': markup(masked('<input placeholder="SECRET">')),
    'placeholder-changed': withSteps(masked('<input class="f" placeholder="hint">'), [
      function (b, s) { q(b, '.f').placeholder = s; }]),
    'title': markup(masked('<span title="SECRET">hover</span>')),
    'alt': markup(masked('<img alt="SECRET" width="10" height="10">')),
    'aria-label': markup(masked('<button type="button" aria-label="SECRET">b</button>')),
    'aria-description': markup(masked('<div aria-description="SECRET">d</div>')),
    'data-attribute': markup(masked('<div data-account="SECRET">d</div>')),
    'option-text': markup(masked('<select><option value="a">SECRET</option></select>')),
    'option-value': markup(masked('<select><option value="SECRET">choose</option></select>')),
    'option-label-attribute': markup(masked('<select><option value="b" label="SECRET">B</option></select>')),
    'datalist-option': markup(masked('<input list="leak-dl"><datalist id="leak-dl"><option value="SECRET"></option></datalist>')),
    'selected-option': withSteps(masked('<select class="f"><option value="none">none</option><option value="SECRET">SECRET</option></select>'), [
      function (b, s) { var f = q(b, '.f'); f.value = s; fire(f, 'change'); }]),
    'option-added-and-selected': withSteps(masked('<select class="f"><option value="none">none</option></select>'), [
      function (b, s) { var f = q(b, '.f'); f.appendChild(new Option(s, s)); f.value = s; fire(f, 'change'); }]),
    'textarea-markup': markup(masked('<textarea>SECRET</textarea>')),
    'textarea-typed': markup(masked('<textarea class="f"></textarea>')),
    'textarea-script': withSteps(masked('<textarea class="f"></textarea>'), [
      function (b, s) { var f = q(b, '.f'); f.value = s; fire(f, 'input'); }]),
    'contenteditable-typed': markup(masked('<div class="f" contenteditable="true" style="min-height:1.2em;border:1px dashed #999"></div>')),
    'contenteditable-insert-text': withSteps(masked('<div class="f" contenteditable="true" style="min-height:1.2em"></div>'), [
      function (b, s) { var f = q(b, '.f'); f.focus(); document.execCommand('insertText', false, s); }]),
    'radio-value': markup(masked('<input type="radio" name="leak-r" value="SECRET">')),
    'radio-clicked': markup(masked('<input type="radio" class="f" name="leak-r2" value="SECRET">')),
    'checkbox-value-checked': withSteps(masked('<input type="checkbox" class="f" value="SECRET">'), [
      function (b) { var f = q(b, '.f'); f.checked = true; fire(f, 'change'); }]),
    'label': markup(masked('<label>SECRET <input></label>')),
    'svg-text': markup(masked('<svg width="400" height="20"><text x="0" y="15">SECRET</text></svg>')),
    'style-text': markup(masked('<style>.leak-never::after { content: "SECRET"; }</style><span>x</span>')),
    'comment-markup': markup(masked('<!--SECRET--><span>x</span>')),
    'comment-added': withSteps(masked('<span class="f">x</span>'), [
      function (b, s) { q(b, '.f').parentNode.appendChild(document.createComment(s)); }]),

    // Default rules: secret inputs without any marker.
    'hidden-input-markup': markup('<input type="hidden" value="SECRET">'),
    'hidden-input-script': withSteps('<input type="hidden" class="f">', [
      function (b, s) { q(b, '.f').value = s; }]),
    'password-markup': markup('<input type="password" value="SECRET">'),
    'password-typed': markup('<input type="password" class="f">'),
    'password-script-value': withSteps('<input type="password" class="f">', [
      function (b, s) { var f = q(b, '.f'); f.value = s; fire(f, 'input'); }]),
    'password-set-attribute': withSteps('<input type="password" class="f">', [
      function (b, s) { q(b, '.f').setAttribute('value', s); }]),
    'password-to-text-and-back': withSteps('<input type="password" class="f">', [
      function (b) { q(b, '.f').type = 'text'; },
      function (b) { q(b, '.f').type = 'password'; }]),
    'password-to-text-then-typed': withSteps('<input type="password" class="f">', [
      function (b) { q(b, '.f').type = 'text'; }]),
    'cc-number-typed': markup('<input class="f" autocomplete="cc-number">'),
    'cc-number-script-no-event': withSteps('<input class="f" autocomplete="cc-number">', [
      function (b, s) { q(b, '.f').value = s; }]),
    'cc-csc-typed': markup('<input class="f" autocomplete="cc-csc">'),
    'cc-exp-markup': markup('<input autocomplete="cc-exp" value="SECRET">'),
    'cc-exp-month-typed': markup('<input class="f" autocomplete="cc-exp-month">'),
    'one-time-code-typed': markup('<input class="f" autocomplete="one-time-code">'),

    // Other markers, and markers that arrive later.
    'glance-masked-text': markup('<div glance_masked="true">SECRET</div>'),
    'glance-masked-typed': markup('<div glance_masked="true"><input class="f"></div>'),
    'mask-class-text': markup('<div class="cobrowse-mask">SECRET</div>'),
    'mask-class-added-then-typed': withSteps('<input class="f">', [
      function (b) { q(b, '.f').classList.add('cobrowse-mask'); }]),
    'mask-attribute-added-then-text': withSteps('<p class="f">public</p>', [
      function (b) { q(b, '.f').setAttribute('data-cobrowse-mask', ''); },
      function (b, s) { q(b, '.f').firstChild.data = s; }]),

    // Mutations inside masked subtrees.
    'moved-in-same-batch': withSteps('<div class="plain"></div>' + masked('<div class="dst"></div>'), [
      function (b, s) { var p = para(s); q(b, '.plain').appendChild(p); q(b, '.dst').appendChild(p); }]),
    'moved-between-masked': withSteps(masked('<div class="a"><p>SECRET</p></div>') + masked('<div class="dst"></div>'), [
      function (b) { q(b, '.dst').appendChild(q(b, '.a p')); }]),
    'appended-later': withSteps(masked('<div class="dst"></div>'), [
      function (b, s) { q(b, '.dst').appendChild(para(s)); }]),
    'appended-subtree-later': withSteps(masked('<div class="dst"></div>'), [
      function (b, s) {
        var d = document.createElement('div'); d.title = s; d.setAttribute('data-x', s);
        d.innerHTML = '<span><b>' + s + '</b></span><input value="' + s + '">';
        q(b, '.dst').appendChild(d);
      }]),
    'character-data-changed': withSteps(masked('<p class="f">public</p>'), [
      function (b, s) { q(b, '.f').firstChild.data = s; }]),
    'attribute-title-changed': withSteps(masked('<span class="f">x</span>'), [
      function (b, s) { q(b, '.f').setAttribute('title', s); }]),
    'attribute-aria-label-changed': withSteps(masked('<input class="f">'), [
      function (b, s) { q(b, '.f').setAttribute('aria-label', s); }]),
    'attribute-data-changed': withSteps(masked('<span class="f">x</span>'), [
      function (b, s) { q(b, '.f').dataset.token = s; }]),
    'inner-html-replaced': withSteps(masked('<div class="f">old</div>'), [
      function (b, s) { q(b, '.f').innerHTML = '<b>' + s + '</b><input value="' + s + '">'; }]),
    'clone-into-other-mask': withSteps(masked('<div class="src"><span>SECRET</span><input value="SECRET"></div>') + masked('<div class="dst"></div>'), [
      function (b) { q(b, '.dst').appendChild(q(b, '.src').cloneNode(true)); }]),

    // Blocking.
    'block-attribute': markup('<div data-cobrowse-block><p>SECRET</p><input value="SECRET" title="SECRET"></div>'),
    'block-mutations': withSteps('<div data-cobrowse-block class="f"><p class="t">public</p></div>', [
      function (b, s) {
        var f = q(b, '.f'), t = q(b, '.t');
        f.appendChild(para(s)); t.setAttribute('title', s); t.firstChild.data = s;
      }]),
    'block-typed': markup('<div data-cobrowse-block><input class="f"></div>'),

    // Shadow roots and iframes.
    'shadow-root-markup': {
      setup: function (b, s) { shadowHost(b, '<p>' + s + '</p><input value="' + s + '">'); } },
    'shadow-root-mutation': {
      setup: function (b) { shadowHost(b, '<p class="t">public</p><input class="i">'); },
      js: [function (b, s) {
        var root = q(b, '.host').shadowRoot;
        root.querySelector('.t').firstChild.data = s;
        var i = root.querySelector('.i'); i.value = s; fire(i, 'input');
      }] },
    'iframe-markup': {
      setup: function (b, s) { iframeIn(b).body.innerHTML = '<p>' + s + '</p><input value="' + s + '">'; } },
    'iframe-mutation': {
      setup: function (b) { iframeIn(b).body.innerHTML = '<p>public</p><input class="i">'; },
      js: [function (b, s) {
        var doc = q(b, '.f').contentDocument;
        doc.body.appendChild(doc.createElement('p')).textContent = s;
        var i = doc.querySelector('.i'); i.value = s; i.dispatchEvent(new Event('input', { bubbles: true }));
      }] },

    // Lengths.
    'long-secret-password': markup('<input type="password" class="f">'),
    'short-secret-text': markup(masked('<span>SECRET</span>')),

    // Configured rules (their own relay): mask_selectors [".ssn"], block_selectors [".secret-widget"],
    // unmask_selectors [".public"], mask_all_inputs.
    'control-selectors-plain-text': markup('<p>SECRET</p>'),
    'configured-mask-selector': markup('<span class="ssn">SECRET</span>'),
    'configured-mask-selector-added': withSteps('<p class="f">public</p>', [
      function (b) { q(b, '.f').classList.add('ssn'); },
      function (b, s) { q(b, '.f').firstChild.data = s; }]),
    'configured-block-selector': markup('<div class="secret-widget"><p>SECRET</p><input value="SECRET"></div>'),
    'configured-block-mutation': withSteps('<div class="secret-widget f"><p>public</p></div>', [
      function (b, s) { q(b, '.f').appendChild(para(s)); }]),
    'mask-all-inputs-typed': markup('<input class="f">'),
    'mask-all-inputs-markup': markup('<input value="SECRET">'),
    'mask-all-inputs-textarea': markup('<textarea>SECRET</textarea>'),
    'mask-all-inputs-select': markup('<select><option value="SECRET">SECRET</option></select>'),
    'unmask-keeps-password-masked': markup('<div class="public"><input type="password" class="f"></div>'),

    // Configured rules (their own relay): mask_all_text, unmask_selectors [".public"].
    'control-all-text-unmasked': markup('<div class="public"><p>SECRET</p></div>'),
    'mask-all-text-markup': markup('<p>SECRET</p>'),
    'mask-all-text-appended': withSteps('<div class="dst"></div>', [
      function (b, s) { q(b, '.dst').appendChild(para(s)); }]),
    'mask-all-text-character-data': withSteps('<p class="f">public</p>', [
      function (b, s) { q(b, '.f').firstChild.data = s; }]),
    'mask-all-text-unmask-password': markup('<div class="public"><input type="password" class="f"></div>')
  };

  // Markup held as text (issue 8). Each carrier's markup, with SECRET where the sentinel goes, becomes three
  // scenarios: `carrier-ID-load` (in the markup before the session), `carrier-ID-later` (put in place after
  // the agent joined) and `carrier-ID-masked` (inside a masked subtree). In every one the secret sits in an
  // element the rules mask, but held as a string (an attribute, raw text, a data: URL, code, a comment).
  var SVG_MARKED = "<svg xmlns='http://www.w3.org/2000/svg' width='300' height='20'><text data-cobrowse-mask='' y='15'>SECRET</text></svg>";
  var CARRIERS = {
    'srcdoc': '<iframe style="height:40px" srcdoc="<p data-cobrowse-mask>SECRET</p><input data-cobrowse-mask value=\'SECRET\'>"></iframe>',
    'srcdoc-sandboxed': '<iframe sandbox style="height:40px" srcdoc="<p data-cobrowse-mask>SECRET</p>"></iframe>',
    'iframe-data-url': '<iframe style="height:40px" src="data:text/html,<p data-cobrowse-mask>SECRET</p>"></iframe>',
    'object-data-url': '<object type="text/html" style="height:40px" data="data:text/html,<p data-cobrowse-mask>SECRET</p>"></object>',
    'link-data-url': '<a href="data:text/html;charset=utf-8,<p data-cobrowse-mask>SECRET</p>">open</a>',
    'javascript-url': '<a href="javascript:void(\'<input data-cobrowse-mask value=SECRET>\')">run</a>',
    'event-handler': '<button type="button" onclick="this.title=\'<b data-cobrowse-mask>SECRET</b>\'">b</button>',
    'svg-data-url-img': '<img alt="" src="data:image/svg+xml,' + SVG_MARKED + '">',
    'svg-data-url-image': '<svg width="300" height="20"><image width="300" height="20" href="data:image/svg+xml,' + SVG_MARKED + '"></image></svg>',
    'svg-data-url-style-attribute': '<div style="height:20px;background-image:url(&quot;data:image/svg+xml,' + SVG_MARKED + '&quot;)"></div>',
    'svg-data-url-style-element': '<style>.leak-never-css { background-image: url("data:image/svg+xml,' + SVG_MARKED + '"); }</style><span>css</span>',
    'data-attribute-template': '<div data-template="<input data-cobrowse-mask value=\'SECRET\'>">t</div>',
    'title-markup': '<span title="<b data-cobrowse-mask>SECRET</b>">x</span>',
    'noscript': '<noscript><input data-cobrowse-mask value="SECRET"></noscript>',
    'iframe-element-text': '<iframe style="height:20px"><p data-cobrowse-mask>SECRET</p></iframe>',
    'noembed': '<noembed><p data-cobrowse-mask>SECRET</p></noembed>',
    'noframes': '<noframes><p data-cobrowse-mask>SECRET</p></noframes>',
    'xmp': '<xmp><input data-cobrowse-mask value="SECRET"></xmp>',
    'plaintext': '<plaintext><p data-cobrowse-mask>SECRET</p>',
    'script-template': '<script type="text/template"><input data-cobrowse-mask value="SECRET"></script>',
    'svg-script': '<svg width="10" height="10"><script>var t = "<p data-cobrowse-mask>SECRET</p>";</script></svg>',
    'comment-markup': '<!-- <input data-cobrowse-mask value="SECRET"> --><span>c</span>',
    'template-element': '<template><input data-cobrowse-mask value="SECRET"></template>'
  };
  function withSecret(html, s) { return html.split('SECRET').join(s); }
  Object.keys(CARRIERS).forEach(function (id) {
    var html = CARRIERS[id];
    S['carrier-' + id + '-load'] = markup(html);
    S['carrier-' + id + '-later'] = withSteps('', [function (b, s) { set(b, withSecret(html, s)); }]);
    S['carrier-' + id + '-masked'] = markup(masked(html));
  });
  S['control-markup-attribute'] = markup('<div data-template="<b>SECRET</b>">t</div>');
  S['control-svg-data-url'] = markup('<img alt="" src="data:image/svg+xml,' + SVG_MARKED.replace(" data-cobrowse-mask=''", '') + '">');
  S['carrier-srcdoc-set-later'] = withSteps('<iframe class="f" style="height:40px"></iframe>', [
    function (b, s) { q(b, '.f').srcdoc = '<p data-cobrowse-mask>' + s + '</p><input data-cobrowse-mask value="' + s + '">'; }]);
  S['carrier-cssom-svg-rule-later'] = withSteps('<style class="f"></style><span>css</span>', [
    function (b, s) {
      q(b, '.f').sheet.insertRule('.leak-never-rule { background-image: url("data:image/svg+xml,' + withSecret(SVG_MARKED, s) + '"); }', 0);
      // present() reads markup: keep a copy where only a masked attribute holds it.
      b.appendChild(document.createElement('i')).outerHTML = masked('<i data-copy="' + s + '"></i>');
    }]);
  S['carrier-svg-blob-asset'] = { setup: function (b, s) {
    var url = URL.createObjectURL(new Blob([withSecret(SVG_MARKED, s)], { type: 'image/svg+xml' }));
    set(b, '<img alt="" class="f" src="' + url + '">' + masked('<i data-copy="' + s + '"></i>'));
  } };
  S['configured-mask-selector-in-markup-attribute'] = markup('<div data-template="<span class=\'ssn\'>SECRET</span>">t</div>');
  S['mask-all-text-svg-data-url'] = markup('<img alt="" src="data:image/svg+xml,' + SVG_MARKED.replace(" data-cobrowse-mask=''", '') + '">');

  window.leaks = {
    // Builds the sections for [{ id, secret }] and runs their setups; returns the ids that are not defined.
    prepare: function (list) {
      var root = document.getElementById('scenarios');
      var missing = [];
      list.forEach(function (scenario) {
        var def = S[scenario.id];
        if (!def) { missing.push(scenario.id); return; }
        var section = document.createElement('section');
        section.className = 'scenario';
        section.id = 'sc-' + scenario.id;
        var heading = document.createElement('h3');
        heading.textContent = scenario.id;
        var body = document.createElement('div');
        body.className = 'body';
        section.appendChild(heading);
        section.appendChild(body);
        root.appendChild(section);
        if (def.setup) def.setup(body, scenario.secret);
      });
      return missing;
    },
    // Runs scripted step `index` of scenario `id`.
    step: function (id, index, secret) {
      var steps = S[id].js || [];
      if (!steps[index]) throw new Error('scenario ' + id + ' has no scripted step ' + index);
      steps[index](document.querySelector('#sc-' + id + ' > .body'), secret);
      return true;
    },
    // Whether scenario `id`'s secret is really on the visitor's page now (markup, comments, field values,
    // contenteditable text, open shadow roots, same-origin iframes): else the scenario would prove nothing.
    present: function (id, secret) {
      var texts = [];
      function walk(root) {
        texts.push(root.outerHTML !== undefined ? root.outerHTML : root.innerHTML);
        root.querySelectorAll('input, textarea, select, option').forEach(function (f) { texts.push(f.value); });
        root.querySelectorAll('*').forEach(function (e) {
          if (e.shadowRoot) walk(e.shadowRoot);
          if (e.tagName === 'IFRAME' && e.contentDocument) walk(e.contentDocument.documentElement);
        });
      }
      walk(document.getElementById('sc-' + id));
      return texts.some(function (t) { return t.indexOf(secret) >= 0; });
    },
    // A harmless, never-masked change: the test waits until the relay has received it.
    tick: function (n) { document.getElementById('tick').className = 'tick-' + n; return true; }
  };
})();
