//! Uploaded assets in the mirror: an announcement points the elements already built at the relay's copy,
//! elements built later get it at once, links and unmapped resources keep their own URLs, and the reverse
//! map is published on `window.cobrowseViewer.assets`.

mod common;

use cobrowse_agent_viewer::assets;
use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_agent_viewer::session::Session;
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::{Child, Control, Delta, Encoder, Event, Value};
use common::*;
use wasm_bindgen_test::*;
use web_sys::{Document, Element};

wasm_bindgen_test_configure!(run_in_browser);

const IMAGE: &str = "https://shop.example/catalog/me/avatar.png";
const SHEET: &str = "https://shop.example/private/site.css";
const BLOB: &str = "blob:https://shop.example/1b2c";

fn announce(session: &mut Session, url: &str, path: &str) {
    session.receive(&encode_control(&Control::Asset { url: url.into(), path: path.into() }));
}

/// The relay URL a path announced by the relay becomes: the test page's origin + path.
fn relay(path: &str) -> String {
    format!("{}{path}", web_sys::window().unwrap().location().origin().unwrap())
}

fn mirror_document(session: &Session) -> Document {
    session.mirror().document().unwrap()
}

fn find(document: &Document, css: &str) -> Element {
    document.query_selector(css).unwrap().unwrap_or_else(|| panic!("no {css} in the mirror"))
}

fn asset_page() -> cobrowse_protocol::Snapshot {
    page(
        vec![element(5, "link", &[("rel", "stylesheet"), ("href", "/private/site.css")], vec![])],
        vec![
            element(
                10,
                "img",
                &[("id", "avatar"), ("src", "me/avatar.png"), ("srcset", "me/avatar.png 1x, big.png 2x")],
                vec![],
            ),
            element(11, "a", &[("id", "link"), ("href", "me/avatar.png")], vec![]),
            element(12, "img", &[("id", "public"), ("src", "https://cdn.example/logo.png")], vec![]),
            svg(13, "svg", &[], vec![svg(14, "image", &[("id", "drawn"), ("xlink:href", BLOB)], vec![])]),
        ],
    )
}

#[wasm_bindgen_test]
fn announcements_repoint_built_elements_and_later_ones_are_built_pointing_at_the_relay() {
    let mut encoder = Encoder::new();
    let mut session = Session::new(Mirror::new(mirror_iframe()));
    session.reset_connection(false);
    session.receive(&encoder.snapshot(&asset_page()));
    let document = mirror_document(&session);
    assert_eq!(find(&document, "#avatar").get_attribute("src").unwrap(), "me/avatar.png", "nothing mapped yet");

    announce(&mut session, IMAGE, "/assets/t0k/aa");
    announce(&mut session, SHEET, "/assets/t0k/bb");
    announce(&mut session, BLOB, "/assets/t0k/cc");
    let avatar = find(&document, "#avatar");
    assert_eq!(avatar.get_attribute("src").unwrap(), relay("/assets/t0k/aa"));
    assert_eq!(avatar.get_attribute("srcset").unwrap(), format!("{} 1x, big.png 2x", relay("/assets/t0k/aa")));
    assert_eq!(find(&document, "link").get_attribute("href").unwrap(), relay("/assets/t0k/bb"));
    let drawn = find(&document, "#drawn");
    assert_eq!(drawn.get_attribute_ns(Some("http://www.w3.org/1999/xlink"), "href").unwrap(), relay("/assets/t0k/cc"));
    assert_eq!(find(&document, "#link").get_attribute("href").unwrap(), "me/avatar.png", "links only navigate");
    assert_eq!(find(&document, "#public").get_attribute("src").unwrap(), "https://cdn.example/logo.png");

    // Built after the announcement, from a delta: pointed at the relay at once; so is a changed attribute.
    let delta = Delta {
        events: vec![
            Event::Children {
                parent: 4,
                children: vec![
                    Child::Existing(10),
                    Child::Existing(11),
                    Child::Existing(12),
                    Child::Existing(13),
                    Child::New(element(20, "img", &[("id", "again"), ("src", "/catalog/me/avatar.png")], vec![])),
                ],
            },
            Event::Attribute { node: 12, name: "src".into(), value: Some(Value::Plain("me/avatar.png".into())) },
        ],
    };
    session.receive(&encoder.delta(&delta));
    assert_eq!(find(&document, "#again").get_attribute("src").unwrap(), relay("/assets/t0k/aa"));
    assert_eq!(find(&document, "#public").get_attribute("src").unwrap(), relay("/assets/t0k/aa"));

    let published = test_global("cobrowseViewer");
    let reverse = js_sys::Reflect::get(&published, &"assets".into()).unwrap();
    let visitor_url = js_sys::Reflect::get(&reverse, &relay("/assets/t0k/aa").into()).unwrap();
    assert_eq!(visitor_url.as_string().as_deref(), Some(IMAGE));

    // A new connection may be to another session: its mappings are forgotten.
    session.reset_connection(false);
    assert_eq!(session.mirror().assets().relay_url_for(IMAGE), None);
}

#[wasm_bindgen_test]
fn two_urls_of_the_same_file_get_relay_urls_of_their_own() {
    let assets = assets::Assets::default();
    let later = format!("{IMAGE}?later");
    assert!(assets.learn(IMAGE, "/assets/t0k/aa"));
    assert!(assets.learn(&later, "/assets/t0k/aa"));
    let (first, second) = (assets.relay_url_for(IMAGE).unwrap(), assets.relay_url_for(&later).unwrap());
    assert_eq!(first, relay("/assets/t0k/aa"));
    assert!(second.starts_with(&format!("{first}?")), "the same file under a query: {second}");
    assert_eq!(assets.visitor_url_of(&first).as_deref(), Some(IMAGE));
    assert_eq!(assets.visitor_url_of(&second).as_deref(), Some(later.as_str()));
    assert!(assets.learn(IMAGE, "/assets/t0k/aa"), "announced again");
    assert_eq!(assets.relay_url_for(IMAGE).unwrap(), first, "a URL keeps its relay URL");
}

#[wasm_bindgen_test]
fn srcset_candidates_are_mapped_one_by_one_keeping_their_descriptors() {
    let map = |url: &str| (url == "a.png").then(|| "https://relay/assets/t/1".to_string());
    assert_eq!(
        assets::map_candidates("a.png 1x,  b.png 2x, a.png 640w", map).as_deref(),
        Some("https://relay/assets/t/1 1x,  b.png 2x, https://relay/assets/t/1 640w")
    );
    assert_eq!(assets::map_candidates("b.png 1x, c.png 2x", map), None);
    assert_eq!(assets::map_candidates("", map), None);
}
