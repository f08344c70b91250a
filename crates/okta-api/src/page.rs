//! Cursor paging: [`Page<T>`] follows Okta's `Link: <…>; rel="next"` headers, and
//! streams walk every page holding one page in memory at a time.

use std::fmt;

use futures_util::{StreamExt as _, TryStreamExt as _, stream};
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
    let call = client.call(operation, Method::GET, bucket, url.clone(), None, true);
    let reply = client.send(call).await?;
    let items = decode(operation, &reply.body)?;
    let next = next_link(operation, &reply.headers, &url)?;
    if let Some(next) = &next {
        client.same_origin(operation, next)?;
        if *next == url {
            return Err(Error::decode(
                operation,
                "Link rel=\"next\" points at the same page",
            ));
        }
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

/// Every item from `first` on, page after page, holding one page at a time; a
/// `first` that could not be built is the stream's one error.
pub(crate) fn stream_all<T: Send + 'static>(
    client: OktaClient,
    operation: &'static str,
    bucket: &'static str,
    first: Result<Url, Error>,
    decode: Decoder<T>,
) -> stream::BoxStream<'static, Result<T, Error>> {
    stream::try_unfold(Some(first), move |next| {
        let client = client.clone();
        async move {
            let Some(url) = next else {
                return Ok::<_, Error>(None);
            };
            let page = fetch(&client, operation, bucket, url?, decode).await?;
            Ok(Some((page.items, page.next.map(Ok))))
        }
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}

/// The `rel="next"` target among all `Link` headers, whether Okta sent one header per
/// link (its usual form) or one comma-joined header, resolved against `base`.
pub(crate) fn next_link(
    operation: &'static str,
    headers: &HeaderMap,
    base: &Url,
) -> Result<Option<Url>, Error> {
    let mut values = Vec::new();
    for v in headers.get_all(reqwest::header::LINK) {
        // An unreadable Link header may hide the next page: never read it as "last page".
        values.push(
            v.to_str()
                .map_err(|_| Error::decode(operation, "a Link header is not ASCII"))?,
        );
    }
    parse_next_link(values, base).map_err(|e| e.in_operation(operation))
}

/// The `rel="next"` URL among `Link` header values: one value per link, as Okta sends
/// them, or several comma-joined in one value. Relative targets are resolved against
/// `base` (the URL of the request). Paging uses it; it is public for code that reads
/// Okta answers itself.
///
/// ```
/// use url::Url;
/// let base = Url::parse("https://acme.okta.com/api/v1/users?limit=200")?;
/// let values = [
///     r#"<https://acme.okta.com/api/v1/users?limit=200>; rel="self""#,
///     r#"<https://acme.okta.com/api/v1/users?after=00u2&limit=200>; rel="next""#,
/// ];
/// let next = okta_api::parse_next_link(values, &base)?.unwrap();
/// assert_eq!(next.query(), Some("after=00u2&limit=200"));
/// assert_eq!(okta_api::parse_next_link([values[0]], &base)?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Decode`] when a `next` link is present but its target is not a URL: the
/// list must not silently end early.
pub fn parse_next_link<'a>(
    values: impl IntoIterator<Item = &'a str>,
    base: &Url,
) -> Result<Option<Url>, Error> {
    let next = values
        .into_iter()
        .flat_map(split_links)
        .find(|(_, params)| {
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
        });
    match next {
        None => Ok(None),
        Some((target, _)) => base.join(target.trim()).map(Some).map_err(|e| {
            Error::decode("link", format!("Link rel=\"next\" target `{target}`: {e}"))
        }),
    }
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

    fn base() -> Url {
        Url::parse("https://a.okta.com/api/v1/users?limit=200").unwrap()
    }

    fn next(values: &[&str]) -> Result<Option<Url>, Error> {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(reqwest::header::LINK, HeaderValue::from_str(v).unwrap());
        }
        next_link("t", &h, &base())
    }

    #[test]
    fn separate_and_joined_headers() {
        let sep = next(&[
            r#"<https://a.okta.com/api/v1/users?limit=200>; rel="self""#,
            r#"<https://a.okta.com/api/v1/users?after=00u2&limit=200>; rel="next""#,
        ]);
        assert_eq!(
            sep.unwrap().unwrap().as_str(),
            "https://a.okta.com/api/v1/users?after=00u2&limit=200"
        );
        let joined = next(&[
            r#"<https://a.okta.com/api/v1/users?limit=200>; rel="self", <https://a.okta.com/api/v1/users?after=00u3&limit=200>; rel="next""#,
        ]);
        assert_eq!(
            joined.unwrap().unwrap().query(),
            Some("after=00u3&limit=200")
        );
        let last = next(&[r#"<https://a.okta.com/api/v1/users?limit=200>; rel="self""#]);
        assert_eq!(last.unwrap(), None);
        assert_eq!(next(&[]).unwrap(), None);
    }

    #[test]
    fn odd_but_legal_forms() {
        assert!(
            next(&["<https://a.okta.com/x?after=1>;rel=next"])
                .unwrap()
                .is_some()
        );
        let multi_rel = next(&[r#"<https://a.okta.com/x?after=1>; title="a, b"; rel="prev next""#]);
        assert!(multi_rel.unwrap().is_some());
        let comma_in_url = next(&[
            r#"<https://a.okta.com/x?search=a,b>; rel="self", <https://a.okta.com/x?search=a,b&after=9>; rel="next""#,
        ]);
        assert_eq!(
            comma_in_url.unwrap().unwrap().query(),
            Some("search=a,b&after=9")
        );
        // RFC 8288 allows relative targets: resolved against the request URL.
        let relative = next(&[r#"</api/v1/users?after=00u9&limit=200>; rel="next""#]).unwrap();
        assert_eq!(
            relative.unwrap().as_str(),
            "https://a.okta.com/api/v1/users?after=00u9&limit=200"
        );
        for no_next in [
            "",
            "<",
            "garbage; rel=\"next\"",
            "<https://a.okta.com/x>; rel=\"nextish\"",
        ] {
            assert_eq!(next(&[no_next]).unwrap(), None, "{no_next}");
        }
        // A next link that is there but unusable is an error, not the last page.
        let bad = next(&[r#"<https://[::1>; rel="next""#]).unwrap_err();
        assert!(bad.to_string().contains("Link rel=\"next\""), "{bad}");
        let mut h = HeaderMap::new();
        h.append(
            reqwest::header::LINK,
            HeaderValue::from_bytes(b"<https://a.okta.com/\xff>; rel=next").unwrap(),
        );
        assert!(next_link("t", &h, &base()).is_err());
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
            let found = parse_next_link(values.iter().map(String::as_str), &base()).unwrap();
            proptest::prop_assert_eq!(found, expected);
        }
    }
}
