//! Cursor paging: [`Page<T>`] follows Okta's `Link: <…>; rel="next"` headers, and
//! streams walk every page holding one page in memory at a time.

use std::fmt;

use futures_util::{Stream, StreamExt as _, TryStreamExt as _, stream};
use reqwest::Method;
use reqwest::header::HeaderMap;
use url::Url;

use crate::client::OktaClient;
use crate::error::Error;

type Decoder<T> = fn(&'static str, &[u8]) -> Result<Vec<T>, Error>;

/// One page of a list, and the way to the next one.
///
/// ```no_run
/// # async fn run(client: okta_api::OktaClient) -> Result<(), okta_api::Error> {
/// let mut page = client.users().list().search(r#"profile.department eq "Finance""#).send().await?;
/// loop {
///     for user in page.items() {
///         println!("{}", user.profile.login);
///     }
///     match page.next_page().await? {
///         Some(next) => page = next,
///         None => break,
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Page<T> {
    items: Vec<T>,
    next: Option<Url>,
    client: OktaClient,
    operation: &'static str,
    bucket: &'static str,
    decode: Decoder<T>,
}

impl<T> fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("operation", &self.operation)
            .field("items", &self.items.len())
            .field("next", &self.next.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

impl<T> Page<T> {
    /// The items of this page.
    #[must_use]
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// Takes the items out.
    #[must_use]
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// The `rel="next"` URL, or `None` on the last page.
    #[must_use]
    pub fn next_url(&self) -> Option<&Url> {
        self.next.as_ref()
    }

    /// Whether a next page exists.
    #[must_use]
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }

    /// Fetches the next page, or `None` after the last.
    ///
    /// # Errors
    /// As any call; also [`Error::Decode`] when the next link leaves the org.
    pub async fn next_page(&self) -> Result<Option<Self>, Error> {
        let Some(url) = self.next.clone() else {
            return Ok(None);
        };
        fetch(&self.client, self.operation, self.bucket, url, self.decode)
            .await
            .map(Some)
    }
}

/// Fetches one page at `url`.
pub(crate) async fn fetch<T>(
    client: &OktaClient,
    operation: &'static str,
    bucket: &'static str,
    url: Url,
    decode: Decoder<T>,
) -> Result<Page<T>, Error> {
    client.same_origin(operation, &url)?;
    let call = client.call(operation, Method::GET, bucket, url, None, true);
    let reply = client.send(call).await?;
    let items = decode(operation, &reply.body)?;
    let next = next_link(&reply.headers);
    if let Some(next) = &next {
        client.same_origin(operation, next)?;
    }
    Ok(Page {
        items,
        next,
        client: client.clone(),
        operation,
        bucket,
        decode,
    })
}

/// Every item from `url` on, page after page.
pub(crate) fn stream_all<T: Send + 'static>(
    client: OktaClient,
    operation: &'static str,
    bucket: &'static str,
    url: Url,
    decode: Decoder<T>,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
    stream::try_unfold(Some(url), move |next| {
        let client = client.clone();
        async move {
            let Some(url) = next else {
                return Ok::<_, Error>(None);
            };
            let page = fetch(&client, operation, bucket, url, decode).await?;
            let next = page.next.clone();
            Ok(Some((page.items, next)))
        }
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}

/// The `rel="next"` target among all `Link` headers, whether Okta sent one header per
/// link (its usual form) or one comma-joined header.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<Url> {
    parse_next_link(
        headers
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
}

/// The `rel="next"` URL among `Link` header values: one value per link, as Okta sends
/// them, or several comma-joined in one value. Paging uses it; it is public for code
/// that reads Okta answers itself.
///
/// ```
/// let values = [
///     r#"<https://acme.okta.com/api/v1/users?limit=200>; rel="self""#,
///     r#"<https://acme.okta.com/api/v1/users?after=00u2&limit=200>; rel="next""#,
/// ];
/// let next = okta_api::parse_next_link(values).unwrap();
/// assert_eq!(next.query(), Some("after=00u2&limit=200"));
/// assert_eq!(okta_api::parse_next_link([values[0]]), None);
/// ```
#[must_use]
pub fn parse_next_link<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Url> {
    values
        .into_iter()
        .flat_map(split_links)
        .find_map(|(target, params)| {
            params
                .split(';')
                .filter_map(|p| p.split_once('='))
                .any(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("rel")
                        && v.trim()
                            .trim_matches('"')
                            .split_ascii_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("next"))
                })
                .then(|| Url::parse(target).ok())
                .flatten()
        })
}

/// Splits `<a>; rel="x", <b>; rel="y"` into (`a`, `; rel="x"`) pairs; commas inside
/// `<…>` (Okta's search expressions) don't split.
fn split_links(header: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            break;
        };
        let target = &after[..close];
        let tail = &after[close + 1..];
        let end = tail
            .find('<')
            .map_or(tail.len(), |i| tail[..i].rfind(',').unwrap_or(i));
        out.push((target, &tail[..end]));
        rest = &tail[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn links(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(reqwest::header::LINK, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn separate_and_joined_headers() {
        let sep = links(&[
            r#"<https://a.okta.com/api/v1/users?limit=200>; rel="self""#,
            r#"<https://a.okta.com/api/v1/users?after=00u2&limit=200>; rel="next""#,
        ]);
        assert_eq!(
            next_link(&sep).unwrap().as_str(),
            "https://a.okta.com/api/v1/users?after=00u2&limit=200"
        );
        let joined = links(&[
            r#"<https://a.okta.com/api/v1/users?limit=200>; rel="self", <https://a.okta.com/api/v1/users?after=00u3&limit=200>; rel="next""#,
        ]);
        assert_eq!(
            next_link(&joined).unwrap().query(),
            Some("after=00u3&limit=200")
        );
        let last = links(&[r#"<https://a.okta.com/api/v1/users?limit=200>; rel="self""#]);
        assert_eq!(next_link(&last), None);
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn odd_but_legal_forms() {
        let unquoted = links(&["<https://a.okta.com/x?after=1>;rel=next"]);
        assert!(next_link(&unquoted).is_some());
        let multi_rel =
            links(&[r#"<https://a.okta.com/x?after=1>; title="a, b"; rel="prev next""#]);
        assert!(next_link(&multi_rel).is_some());
        let comma_in_url = links(&[
            r#"<https://a.okta.com/x?search=a,b>; rel="self", <https://a.okta.com/x?search=a,b&after=9>; rel="next""#,
        ]);
        assert_eq!(
            next_link(&comma_in_url).unwrap().query(),
            Some("search=a,b&after=9")
        );
        for junk in [
            "",
            "<",
            "<>; rel=next",
            "garbage; rel=\"next\"",
            "<not a url>; rel=\"next\"",
        ] {
            assert_eq!(next_link(&links(&[junk])), None, "{junk}");
        }
    }

    proptest::proptest! {
        /// However many links there are, in whichever header form, with commas and
        /// semicolons inside the URLs, the `next` one is found and nothing else.
        #[test]
        fn next_link_in_any_form(
            links in proptest::collection::vec(("[a-z0-9,;=&]{0,12}", 0u8..4), 0..6),
            joined in proptest::bool::ANY,
        ) {
            let rendered: Vec<String> = links
                .iter()
                .enumerate()
                .map(|(i, (q, rel))| {
                    let rel = ["self", "next", "prev", "first"][usize::from(*rel)];
                    format!("<https://a.okta.com/api/v1/users?after={i}&x={q}>; rel=\"{rel}\"")
                })
                .collect();
            let values = if joined { vec![rendered.join(", ")] } else { rendered };
            let expected = links.iter().enumerate().find(|(_, (_, rel))| *rel == 1).map(|(i, (q, _))| {
                Url::parse(&format!("https://a.okta.com/api/v1/users?after={i}&x={q}")).unwrap()
            });
            proptest::prop_assert_eq!(parse_next_link(values.iter().map(String::as_str)), expected);
        }
    }
}
