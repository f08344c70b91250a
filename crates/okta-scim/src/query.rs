//! In-memory evaluation of a [`ListQuery`]: filter, sort and window over resources held
//! as JSON. [`InMemoryProvider`](crate::InMemoryProvider) uses it for every list that no
//! index answers, and any provider that keeps its data in memory (such as an HR gateway
//! serving a snapshot) can use it too.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use crate::filter::AttrPath;
use crate::provider::{ListPage, ListQuery, SortOrder};
use crate::schema::{AttributeType, Resolved, ResourceSchema};

/// Filters, sorts and windows `items` (each a resource's JSON plus what the caller wants
/// back) as `query` asks. The order is the input order unless `sort_by` is given; sorting
/// is stable, puts resources without the attribute last (RFC 7644 §3.4.2.3) and compares
/// strings as the attribute's `caseExact` says.
///
/// Cost: one pass over `items`; with a sort, `O(m log m)` over the `m` matches.
///
/// ```
/// use okta_scim::{Filter, ListQuery, schema::ResourceSchema};
/// use serde_json::json;
///
/// let users = [json!({"id": "1", "userName": "b"}), json!({"id": "2", "userName": "A"})];
/// let q = ListQuery::new()
///     .sort(okta_scim::AttrPath::parse("userName").unwrap(), okta_scim::SortOrder::Ascending)
///     .page(1, 10);
/// let page = okta_scim::query::evaluate(users.iter().map(|u| (u, u["id"].clone())), &q, &ResourceSchema::user(), 100);
/// assert_eq!(page.total_results, 2);
/// assert_eq!(page.resources, vec![json!("2"), json!("1")]);
/// ```
pub fn evaluate<'a, I, T>(
    items: I,
    query: &ListQuery,
    schema: &ResourceSchema,
    max_page_size: u64,
) -> ListPage<T>
where
    I: IntoIterator<Item = (&'a Value, T)>,
{
    let matching = items.into_iter().filter(|(json, _)| {
        query
            .filter
            .as_ref()
            .is_none_or(|f| f.matches(json, schema))
    });
    match &query.sort_by {
        None => {
            // No sort: keep only the window while counting every match.
            let mut total = 0u64;
            let first = query.start_index.saturating_sub(1);
            let count = query.count.unwrap_or(max_page_size).min(max_page_size);
            let mut page = Vec::new();
            for (_, item) in matching {
                if total >= first && (page.len() as u64) < count {
                    page.push(item);
                }
                total += 1;
            }
            ListPage::new(total, page)
        }
        Some(path) => {
            let kind = sort_kind(schema, path);
            let mut keyed: Vec<(Option<SortKey>, T)> = matching
                .map(|(json, item)| (sort_key(json, path, kind), item))
                .collect();
            keyed.sort_by(|(a, _), (b, _)| compare_keys(a.as_ref(), b.as_ref(), query.sort_order));
            let total = keyed.len() as u64;
            let (offset, len) = query.window(total, max_page_size);
            let resources = keyed
                .into_iter()
                .skip(offset)
                .take(len)
                .map(|(_, item)| item)
                .collect();
            ListPage::new(total, resources)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum KeyKind {
    Text { case_exact: bool },
    Number,
    Boolean,
    Time,
}

#[derive(Debug, Clone, PartialEq)]
enum SortKey {
    Text(String),
    Number(f64),
    Boolean(bool),
    Time(DateTime<FixedOffset>),
}

fn sort_kind(schema: &ResourceSchema, path: &AttrPath) -> KeyKind {
    match schema.resolve(path.urn.as_deref(), &path.name, path.sub_attr.as_deref()) {
        Some(Resolved::Known { attribute, .. }) => {
            let attribute = if attribute.ty() == AttributeType::Complex {
                attribute.sub_attribute("value").unwrap_or(attribute)
            } else {
                attribute
            };
            match attribute.ty() {
                AttributeType::Boolean => KeyKind::Boolean,
                AttributeType::Integer | AttributeType::Decimal => KeyKind::Number,
                AttributeType::DateTime => KeyKind::Time,
                _ => KeyKind::Text {
                    case_exact: attribute.is_case_exact(),
                },
            }
        }
        _ => KeyKind::Text { case_exact: false },
    }
}

/// Case-insensitive key lookup, exact spelling first.
pub(crate) fn get_key<'v>(object: &'v Value, key: &str) -> Option<&'v Value> {
    object
        .as_object()
        .and_then(|m| crate::filter::get_ci(m, key))
}

/// The value a sort uses: for multi-valued attributes the primary element, else the first
/// (RFC 7644 §3.4.2.3); for a complex attribute without sub-attribute its `value`.
fn sort_key(resource: &Value, path: &AttrPath, kind: KeyKind) -> Option<SortKey> {
    let container = match path.urn.as_deref() {
        Some(urn)
            if !urn.eq_ignore_ascii_case(crate::schema::USER_SCHEMA)
                && !urn.eq_ignore_ascii_case(crate::schema::GROUP_SCHEMA) =>
        {
            get_key(resource, urn)?
        }
        _ => resource,
    };
    let mut v = get_key(container, &path.name)?;
    if let Value::Array(items) = v {
        v = items
            .iter()
            .find(|e| get_key(e, "primary").and_then(Value::as_bool) == Some(true))
            .or_else(|| items.first())?;
    }
    let sub = path
        .sub_attr
        .as_deref()
        .or(if v.is_object() { Some("value") } else { None });
    if let Some(sub) = sub {
        v = get_key(v, sub)?;
    }
    match (kind, v) {
        (KeyKind::Text { case_exact: true }, Value::String(s)) => Some(SortKey::Text(s.clone())),
        (KeyKind::Text { case_exact: false }, Value::String(s)) => {
            Some(SortKey::Text(s.to_lowercase()))
        }
        (KeyKind::Number, Value::Number(n)) => n.as_f64().map(SortKey::Number),
        (KeyKind::Boolean, Value::Bool(b)) => Some(SortKey::Boolean(*b)),
        (KeyKind::Time, Value::String(s)) => {
            DateTime::parse_from_rfc3339(s).ok().map(SortKey::Time)
        }
        (_, Value::String(s)) => Some(SortKey::Text(s.to_lowercase())),
        (_, Value::Number(n)) => n.as_f64().map(SortKey::Number),
        (_, Value::Bool(b)) => Some(SortKey::Boolean(*b)),
        _ => None,
    }
}

fn compare_keys(a: Option<&SortKey>, b: Option<&SortKey>, order: SortOrder) -> Ordering {
    match (a, b) {
        // Missing values sort last in either direction.
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => {
            let o = match (a, b) {
                (SortKey::Text(a), SortKey::Text(b)) => a.cmp(b),
                (SortKey::Number(a), SortKey::Number(b)) => a.total_cmp(b),
                (SortKey::Boolean(a), SortKey::Boolean(b)) => a.cmp(b),
                (SortKey::Time(a), SortKey::Time(b)) => a.cmp(b),
                _ => rank(a).cmp(&rank(b)),
            };
            match order {
                SortOrder::Ascending => o,
                SortOrder::Descending => o.reverse(),
            }
        }
    }
}

fn rank(k: &SortKey) -> u8 {
    match k {
        SortKey::Boolean(_) => 0,
        SortKey::Number(_) => 1,
        SortKey::Time(_) => 2,
        SortKey::Text(_) => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(s: &str) -> AttrPath {
        AttrPath {
            urn: None,
            name: s.into(),
            sub_attr: None,
        }
    }

    #[test]
    fn window_counts_all_matches_and_keeps_order() {
        let items: Vec<Value> = (0..10)
            .map(|i| json!({"id": i.to_string(), "userName": format!("u{i}")}))
            .collect();
        let q = ListQuery::new().page(4, 3);
        let page = evaluate(
            items.iter().map(|v| (v, v["id"].as_str().unwrap_or(""))),
            &q,
            &ResourceSchema::user(),
            100,
        );
        assert_eq!(page.total_results, 10);
        assert_eq!(page.resources, vec!["3", "4", "5"]);
        let past = evaluate(
            items.iter().map(|v| (v, 0)),
            &ListQuery::new().page(11, 5),
            &ResourceSchema::user(),
            100,
        );
        assert_eq!((past.total_results, past.resources.len()), (10, 0));
        let capped = evaluate(
            items.iter().map(|v| (v, 0)),
            &ListQuery::new(),
            &ResourceSchema::user(),
            4,
        );
        assert_eq!(capped.resources.len(), 4);
    }

    #[test]
    fn sorts_by_primary_email_with_missing_last_in_both_orders() {
        let items = [
            json!({"id": "a", "emails": [{"value": "z@x", "primary": false}, {"value": "B@x", "primary": true}]}),
            json!({"id": "b"}),
            json!({"id": "c", "emails": [{"value": "a@x"}]}),
        ];
        let q = |o| {
            ListQuery::new().sort(
                AttrPath {
                    sub_attr: Some("value".into()),
                    ..path("emails")
                },
                o,
            )
        };
        let ids = |o| {
            evaluate(
                items.iter().map(|v| (v, v["id"].clone())),
                &q(o),
                &ResourceSchema::user(),
                10,
            )
            .resources
        };
        assert_eq!(
            ids(SortOrder::Ascending),
            vec![json!("c"), json!("a"), json!("b")]
        );
        assert_eq!(
            ids(SortOrder::Descending),
            vec![json!("a"), json!("c"), json!("b")]
        );
    }

    #[test]
    fn sorts_datetimes_chronologically_across_offsets() {
        let items = [
            json!({"id": "late", "meta": {"created": "2026-01-01T10:30:00+02:00"}}),
            json!({"id": "early", "meta": {"created": "2026-01-01T09:00:00Z"}}),
        ];
        let q = ListQuery::new().sort(
            AttrPath {
                sub_attr: Some("created".into()),
                ..path("meta")
            },
            SortOrder::Ascending,
        );
        let page = evaluate(
            items.iter().map(|v| (v, v["id"].clone())),
            &q,
            &ResourceSchema::user(),
            10,
        );
        // 10:30+02:00 is 08:30Z, before 09:00Z.
        assert_eq!(page.resources, vec![json!("late"), json!("early")]);
    }
}
