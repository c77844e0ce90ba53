//! IdPs that send the browser to their sign-in page before validating `redirect_uri` (Django
//! OAuth Toolkit's `login?next=…`, and hosted IdPs with `return_to=`, `returnUrl=`, …): their
//! sign-in page proves nothing about the redirect URI. Pure: recognising such a redirect and
//! judging the `prompt=none` retry.

use url::Url;

use super::classify::{Classification, Reason};
use super::report::Verdict;
use super::signatures::Problem;

/// Percent-decoding rounds tried on a parameter value (`next=` may be encoded twice).
const DECODE_ROUNDS: usize = 3;

/// The name of the parameter of a same-origin redirect `target` that carries the
/// authorization request onward: its decoded value holds our `redirect_uri`, our
/// `client_id=…`, or the authorization endpoint's path with a query. None for a redirect
/// back to the authorization endpoint itself (a step of the IdP's own flow).
pub fn carried_parameter(
    target: &Url,
    auth_url: &Url,
    redirect_uri: &Url,
    client_id: &str,
) -> Option<String> {
    if target.path() == auth_url.path() {
        return None;
    }
    let endpoint = format!("{}?", auth_url.path());
    let client = format!("client_id={client_id}");
    let pairs = target
        .query_pairs()
        .chain(form_urlencoded::parse(
            target.fragment().unwrap_or("").as_bytes(),
        ))
        .map(|(k, v)| (k.into_owned(), v.into_owned()));
    for (name, value) in pairs {
        let mut value = value;
        for _ in 0..DECODE_ROUNDS {
            let carries = value.contains(redirect_uri.as_str())
                || has_whole(&value, &client)
                || value.contains(&endpoint);
            if carries {
                return Some(name);
            }
            let decoded = percent_decode(&value);
            if decoded == value {
                break;
            }
            value = decoded;
        }
    }
    None
}

/// `needle` followed by the end of the value or of its parameter (`client_id=abc`, not
/// `client_id=abcd`).
fn has_whole(value: &str, needle: &str) -> bool {
    value.match_indices(needle).any(|(i, _)| {
        matches!(
            value[i + needle.len()..].chars().next(),
            None | Some('&' | '#')
        )
    })
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('&', "%26")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// True when the first probe's answer needs the `prompt=none` retry: it looked accepted,
/// but only because a sign-in page came first.
pub fn needs_retry(first: &Classification) -> bool {
    first.verdict == Verdict::Accepted
        && matches!(
            first.reason,
            Reason::LoginPage | Reason::ConsentPage | Reason::SignInPage
        )
}

/// The verdict after the `prompt=none` retry: a redirect back to the callback (usually
/// `login_required`) proves the URI registered, a rejection proves it not, an unknown
/// client is an unknown client; anything else (another sign-in page, an error about
/// `prompt` itself) leaves the question open.
pub fn judge_retry(retry: Classification, parameter: &str) -> Classification {
    let settled = match retry.verdict {
        Verdict::Rejected => true,
        Verdict::Accepted => matches!(retry.reason, Reason::CallbackCode | Reason::CallbackError),
        Verdict::Error => retry.problem == Some(Problem::Client),
        Verdict::Unknown => false,
    };
    if settled {
        return retry;
    }
    let mut c = Classification::new(
        Verdict::Unknown,
        Reason::SignInFirst {
            parameter: parameter.to_owned(),
        },
    );
    c.idp = retry.idp;
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::error::OAuthError;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    const AUTH: &str = "https://idp.example/o/authorize/";
    const CB: &str = "http://127.0.0.1:8765/callback";

    fn carried(target: &str) -> Option<String> {
        carried_parameter(&url(target), &url(AUTH), &url(CB), "abc")
    }

    #[test]
    fn sign_in_redirects_that_carry_the_request() {
        // Django OAuth Toolkit: the login view with next=<path and query>.
        assert_eq!(
            carried("https://idp.example/accounts/login/?next=/o/authorize/%3Fclient_id%3Dabc%26redirect_uri%3Dhttp%253A%252F%252F127.0.0.1%253A8765%252Fcallback").as_deref(),
            Some("next")
        );
        // Encoded twice, under another name, with our redirect URI only.
        assert_eq!(
            carried("https://idp.example/signin?returnUrl=%2Fx%253Fredirect_uri%253Dhttp%25253A%25252F%25252F127.0.0.1%25253A8765%25252Fcallback").as_deref(),
            Some("returnUrl")
        );
        assert_eq!(
            carried("https://idp.example/login#return_to=%2Fo%2Fauthorize%2F%3Fscope%3Dopenid")
                .as_deref(),
            Some("return_to")
        );
    }

    #[test]
    fn other_redirects_do_not() {
        // oidc-provider's interaction: an opaque id.
        assert_eq!(carried("https://idp.example/interaction/Xy12"), None);
        // Another client's id is not ours.
        assert_eq!(
            carried("https://idp.example/login?next=%2Fhome%3Fclient_id%3Dabcd"),
            None
        );
        // A step back to the authorization endpoint is the IdP's own flow.
        assert_eq!(
            carried("https://idp.example/o/authorize/?client_id=abc&resume=1"),
            None
        );
    }

    fn with(verdict: Verdict, reason: Reason, problem: Option<Problem>) -> Classification {
        let mut c = Classification::new(verdict, reason);
        c.problem = problem;
        c
    }

    #[test]
    fn the_retry_settles_or_leaves_it_unknown() {
        let mut login_required = with(Verdict::Accepted, Reason::CallbackError, None);
        login_required.oauth_error = Some(OAuthError {
            error: "login_required".into(),
            error_description: None,
            error_uri: None,
        });
        assert_eq!(
            judge_retry(login_required, "next").verdict,
            Verdict::Accepted
        );
        let rejected = with(
            Verdict::Rejected,
            Reason::ErrorPage { status: 400 },
            Some(Problem::RedirectUri),
        );
        assert_eq!(judge_retry(rejected, "next").verdict, Verdict::Rejected);
        for inconclusive in [
            with(Verdict::Accepted, Reason::LoginPage, None),
            with(
                Verdict::Error,
                Reason::ErrorPage { status: 400 },
                Some(Problem::Other),
            ),
            with(Verdict::Unknown, Reason::Unrecognised { status: 200 }, None),
        ] {
            let c = judge_retry(inconclusive, "next");
            assert_eq!(
                (c.verdict, c.reason),
                (
                    Verdict::Unknown,
                    Reason::SignInFirst {
                        parameter: "next".into()
                    }
                )
            );
        }
    }
}
