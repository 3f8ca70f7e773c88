//! Two large pages of the kinds that hurt recorders in practice, made here so every run measures the same
//! bytes (issue 13 asks for "two large real pages of our own making"):
//! - a long documentation page: a sidebar of links, sections of prose with inline code and links,
//!   syntax-highlighted code blocks (a `<span>` per token) and reference tables (~16,000 elements);
//! - a table-heavy admin page: a toolbar with filters, and a table of accounts with a checkbox, a status
//!   badge, a link and two action buttons per row (~21,000 elements).

/// The documentation page's file name under `/generated/`.
pub const DOCS_FILE: &str = "docs.html";
/// The admin page's file name under `/generated/`.
pub const ADMIN_FILE: &str = "admin.html";

const DOC_SECTIONS: usize = 80;
const CODE_LINES: usize = 18;
const TABLE_ROWS: usize = 12;
const ADMIN_ROWS: usize = 1_500;

const TERMS: [&str; 12] =
    ["session", "relay", "snapshot", "mirror", "frame", "agent", "visitor", "mask", "delta", "key", "socket", "node"];

/// The documentation page.
pub fn docs_html() -> String {
    let sidebar: String = (0..DOC_SECTIONS)
        .map(|index| format!("<li><a href=\"#section-{index}\">{} {index}</a></li>", TERMS[index % TERMS.len()]))
        .collect();
    let sections: String = (0..DOC_SECTIONS).map(doc_section).collect();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Reference manual</title>\
         <style>pre{{background:#f6f8fa;padding:8px}}.kw{{color:#d73a49}}.str{{color:#032f62}}\
         .num{{color:#005cc5}}table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:2px 6px}}</style>\
         </head><body><nav class=\"sidebar\"><ul>{sidebar}</ul></nav><main class=\"content\">{sections}</main></body></html>\n"
    )
}

fn doc_section(index: usize) -> String {
    let term = TERMS[index % TERMS.len()];
    let prose: String = (0..6)
        .map(|paragraph| {
            format!(
                "<p>The <code>{term}</code> keeps its state while the {other} reconnects; see \
                 <a href=\"#section-{next}\">the {other} section</a> and <em>note {paragraph}</em> for the limits \
                 that apply when a {term} is resumed from another page of the same site.</p>",
                other = TERMS[(index + paragraph + 1) % TERMS.len()],
                next = (index + 1) % DOC_SECTIONS,
            )
        })
        .collect();
    let code: String = (0..CODE_LINES)
        .map(|line| {
            format!(
                "<span class=\"kw\">let</span> {term}_{line} = <span class=\"fn\">open</span>(\
                 <span class=\"str\">\"{term}-{line}\"</span>, <span class=\"num\">{}</span>);\n",
                line * 7 + index
            )
        })
        .collect();
    let rows: String = (0..TABLE_ROWS)
        .map(|row| {
            format!(
                "<tr><td><code>{term}.option_{row}</code></td><td>{}</td><td>{}</td><td>Sets how the {term} \
                 behaves when {} happens.</td></tr>",
                ["bool", "u32", "string", "duration"][row % 4],
                row * 10,
                TERMS[(row + index) % TERMS.len()]
            )
        })
        .collect();
    format!(
        "<section id=\"section-{index}\"><h2>{term} {index}</h2>{prose}<pre><code class=\"language-rust\">{code}</code></pre>\
         <table><thead><tr><th>option</th><th>type</th><th>default</th><th>meaning</th></tr></thead>\
         <tbody>{rows}</tbody></table></section>\n"
    )
}

/// The admin page.
pub fn admin_html() -> String {
    let rows: String = (0..ADMIN_ROWS).map(admin_row).collect();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Accounts</title>\
         <style>.badge{{border-radius:4px;padding:0 4px}}.active{{background:#dfd}}.locked{{background:#fdd}}</style>\
         </head><body><header><h1>Accounts</h1><form class=\"filters\"><input type=\"search\" name=\"q\" \
         placeholder=\"Search accounts\"><select name=\"status\"><option>all</option><option>active</option>\
         <option>locked</option></select><button type=\"submit\">Filter</button></form></header>\
         <table class=\"grid\"><thead><tr><th><input type=\"checkbox\" aria-label=\"Select all\"></th><th>id</th>\
         <th>name</th><th>email</th><th>plan</th><th>status</th><th>created</th><th>actions</th></tr></thead>\
         <tbody>{rows}</tbody></table></body></html>\n"
    )
}

fn admin_row(index: usize) -> String {
    let name = format!("{} {}", TERMS[index % TERMS.len()], TERMS[(index / 12) % TERMS.len()]);
    let status = if index.is_multiple_of(7) { "locked" } else { "active" };
    format!(
        "<tr data-id=\"{index}\"><td><input type=\"checkbox\" name=\"row-{index}\"></td><td>{index}</td>\
         <td><a href=\"/accounts/{index}\">{name}</a></td><td>user{index}@example.com</td>\
         <td>{plan}</td><td><span class=\"badge {status}\">{status}</span></td><td>2026-{month:02}-{day:02}</td>\
         <td><button type=\"button\" class=\"edit\">Edit</button><button type=\"button\" class=\"lock\">Lock</button></td></tr>\n",
        plan = ["free", "team", "business"][index % 3],
        month = index % 12 + 1,
        day = index % 28 + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elements(page: &str) -> usize {
        page.matches('<').count() - page.matches("</").count() - page.matches("<!").count()
    }

    #[test]
    fn the_docs_page_is_large() {
        let count = elements(&docs_html());
        assert!((14_000..=20_000).contains(&count), "{count} elements");
    }

    #[test]
    fn the_admin_page_is_large() {
        let count = elements(&admin_html());
        assert!((18_000..=25_000).contains(&count), "{count} elements");
    }
}
