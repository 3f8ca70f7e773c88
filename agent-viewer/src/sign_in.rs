//! The agent's session token: after a `Join` with the right password the relay sends `SignedIn { token }`,
//! and the viewer's later joins (its rejoins, the next session key typed into the form) send
//! `JoinWithToken { token, key }` instead of the password, so the relay checks the password once per
//! sign-in, not once per join.
//!
//! The token is kept in the tab's `sessionStorage` (with the name it signs in), like a password: never in
//! a URL, a cookie or `localStorage`, and gone with the tab. A token the relay no longer knows (expired,
//! or the relay restarted) is refused with `AUTH_FAILED`; the link then forgets it and joins once more
//! with the password (see `link.rs`).

use cobrowse_protocol::Control;

/// The `sessionStorage` key: `name`, a newline, the token.
const STORAGE_KEY: &str = "cobrowse-agent-token";

/// The first message for `join` given the token remembered (as `(name, token)`): `JoinWithToken` if the
/// token is for the same agent name, else `join` itself.
pub fn first_message(join: &Control, remembered: Option<(String, String)>) -> Control {
    match (join, remembered) {
        (Control::Join { name, key, .. }, Some((token_name, token))) if *name == token_name && !token.is_empty() => {
            Control::JoinWithToken { token, key: key.clone() }
        }
        _ => join.clone(),
    }
}

/// The agent name and token this tab keeps, if any.
pub fn remembered() -> Option<(String, String)> {
    let text = storage()?.get_item(STORAGE_KEY).ok()??;
    let (name, token) = text.split_once('\n')?;
    Some((name.to_owned(), token.to_owned()))
}

/// Keeps `token` for the agent `name` (the one `join` signed in as).
pub fn remember(join: &Control, token: &str) {
    let Control::Join { name, .. } = join else {
        return; // a token join gets no new token
    };
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, &format!("{name}\n{token}"));
    }
}

/// Forgets the token (the relay refused it).
pub fn forget() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(STORAGE_KEY);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(name: &str) -> Control {
        Control::Join { name: name.into(), password: "pw".into(), key: "123456".into() }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_token_for_the_same_name_replaces_the_password() {
        let remembered = Some(("ana".to_owned(), "t0k3n".to_owned()));
        assert_eq!(
            first_message(&join("ana"), remembered.clone()),
            Control::JoinWithToken { token: "t0k3n".into(), key: "123456".into() }
        );
        assert_eq!(first_message(&join("bo"), remembered), join("bo"), "another agent signs in with its password");
        assert_eq!(first_message(&join("ana"), None), join("ana"));
    }
}
