//! The callback server's handling of responses that do not come in the query: form_post
//! POSTs, the fragment relay, and the strays they can produce.

use std::time::Duration;

use tokenbench::net::callback_server::{
    inline_script_hash, CallbackServer, ResponseMode, ServerEvent,
};
use tokenbench::oauth::callback::CallbackExpectation;
use tokenbench::oauth::types::RedirectUri;

async fn bind() -> CallbackServer {
    let expect = CallbackExpectation {
        state: "st".into(),
        issuer: None,
        iss_required: false,
    };
    CallbackServer::bind(
        &RedirectUri::parse("http://127.0.0.1:0/callback").unwrap(),
        expect,
    )
    .await
    .unwrap()
}

async fn next(server: &mut CallbackServer) -> ServerEvent {
    tokio::time::timeout(Duration::from_secs(5), server.next_event())
        .await
        .unwrap()
        .unwrap()
}

fn post(url: &str, content_type: &str, body: &str, relay: bool) -> reqwest::RequestBuilder {
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut r = c
        .post(url)
        .header("Content-Type", content_type)
        .body(body.to_owned());
    if relay {
        r = r.header("X-Tokenbench-Fragment", "1");
    }
    r
}

#[tokio::test]
async fn form_post_is_a_callback() {
    let mut server = bind().await;
    let url = server.redirect_uri().as_str().to_owned();
    let r = post(
        &url,
        "application/x-www-form-urlencoded; charset=utf-8",
        "code=c0de&state=st",
        false,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!r.text().await.unwrap().contains("c0de"));
    match next(&mut server).await {
        ServerEvent::Callback { result, mode, .. } => {
            assert_eq!(mode, ResponseMode::FormPost);
            assert_eq!(result.unwrap().secret(), "c0de");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn non_form_posts_and_empty_relays_are_strays_with_their_details() {
    let mut server = bind().await;
    let url = server.redirect_uri().as_str().to_owned();
    let r = post(&url, "application/json", "{\"code\":\"x\"}", false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    match next(&mut server).await {
        ServerEvent::Stray(rec) => {
            assert_eq!(rec.content_type.as_deref(), Some("application/json"));
            assert!(rec.form.is_empty() && !rec.fragment);
        }
        other => panic!("{other:?}"),
    }
    let r = post(&url, "application/x-www-form-urlencoded", "", true)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    match next(&mut server).await {
        ServerEvent::Stray(rec) => {
            assert!(rec.fragment);
            assert_eq!(rec.note, "no parameters in the fragment either");
        }
        other => panic!("{other:?}"),
    }
    // A form_post to a near-miss path is recorded with its (redacted) form.
    let slash = format!("{url}/");
    let r = post(
        &slash,
        "application/x-www-form-urlencoded",
        "code=secret&state=st",
        false,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 404);
    match next(&mut server).await {
        ServerEvent::Stray(rec) => {
            assert_eq!(
                rec.form,
                vec![
                    ("code".into(), "[redacted]".into()),
                    ("state".into(), "st".into())
                ]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn relayed_fragment_is_a_callback() {
    let mut server = bind().await;
    let url = server.redirect_uri().as_str().to_owned();
    let page = reqwest::get(&url).await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let hash = inline_script_hash(&html).unwrap();
    assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
    assert!(matches!(next(&mut server).await, ServerEvent::Stray(_)));
    let r = post(
        &url,
        "application/x-www-form-urlencoded",
        "error=access_denied&state=st",
        true,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    match next(&mut server).await {
        ServerEvent::Callback { result, mode, .. } => {
            assert_eq!(mode, ResponseMode::Fragment);
            assert_eq!(
                result.unwrap_err().oauth_error().unwrap().error,
                "access_denied"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_hash_is_of_the_script_text_exactly() {
    assert_eq!(inline_script_hash("<p>no script</p>"), None);
    // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
    assert_eq!(
        inline_script_hash("<script>alert(1)</script>").as_deref(),
        Some("bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=")
    );
}
