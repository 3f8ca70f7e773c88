//! A generated large page: a product catalogue of cards with text, links, lists, attributes and form
//! inputs, about as many elements as asked, the same every run (a fixed seed).

/// Elements one card has: article, h3, p, a, em, ul, li, li, label, input, input.
const ELEMENTS_PER_CARD: usize = 11;
/// Elements outside the cards: html, head, meta, title, style, body, header, h1, main.
const ELEMENTS_AROUND_CARDS: usize = 9;

const WORDS: [&str; 24] = [
    "alpine",
    "breeze",
    "canvas",
    "down",
    "ember",
    "fleece",
    "glacier",
    "harbor",
    "insulated",
    "juniper",
    "keel",
    "lantern",
    "merino",
    "north",
    "orbit",
    "pine",
    "quilted",
    "ridge",
    "summit",
    "trail",
    "ultralight",
    "valley",
    "waterproof",
    "yonder",
];

/// The page's HTML with about `elements` elements.
pub fn html(elements: usize) -> String {
    let cards = elements.saturating_sub(ELEMENTS_AROUND_CARDS) / ELEMENTS_PER_CARD;
    let mut words = Words::new();
    let mut body = String::with_capacity(cards * 600);
    for index in 0..cards {
        body.push_str(&card(index, &mut words));
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Catalogue of {cards} products</title>\
         <style>.card{{border:1px solid #ccc;margin:4px;padding:4px}}.tags li{{display:inline}}</style></head>\
         <body><header class=\"site-header\"><h1>Catalogue</h1></header><main id=\"catalogue\">\n{body}</main></body></html>\n"
    )
}

/// One product card.
fn card(index: usize, words: &mut Words) -> String {
    let title = words.phrase(3);
    let sentence = words.phrase(14);
    let price = 10 + words.number(490);
    let quantity = words.number(5);
    let checked = if words.number(3) == 0 { " checked" } else { "" };
    format!(
        "<article class=\"card item-{index}\" id=\"item-{index}\" data-sku=\"SKU-{index:05}\" data-price=\"{price}.00\">\
         <h3 class=\"card-title\">{title}</h3>\
         <p class=\"card-text\">{sentence} <a href=\"/product/{index}\" title=\"{title}\">details</a> <em>{emphasis}</em></p>\
         <ul class=\"tags\"><li>{tag_a}</li><li>{tag_b}</li></ul>\
         <label>Quantity <input type=\"number\" name=\"quantity-{index}\" value=\"{quantity}\" min=\"0\"></label>\
         <input type=\"checkbox\" name=\"wish-{index}\" aria-label=\"Add to wish list\"{checked}>\
         </article>\n",
        emphasis = words.phrase(1),
        tag_a = words.phrase(1),
        tag_b = words.phrase(1),
    )
}

/// Deterministic pseudo-random words and numbers (a linear congruential generator).
struct Words {
    state: u64,
}

impl Words {
    fn new() -> Self {
        Self { state: 0x2545_f491_4f6c_dd1d }
    }

    fn number(&mut self, below: usize) -> usize {
        self.state = self.state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.state >> 33) as usize) % below
    }

    fn phrase(&mut self, count: usize) -> String {
        (0..count).map(|_| WORDS[self.number(WORDS.len())]).collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_about_the_asked_number_of_elements() {
        let page = html(5_000);
        let tags = page.matches('<').count() - page.matches("</").count() - page.matches("<!").count();
        assert!((4_990..=5_000).contains(&tags), "{tags} elements");
    }

    #[test]
    fn is_the_same_every_time() {
        assert_eq!(html(500), html(500));
    }
}
