//! REST's own path router and the `Path` parameters it finds. poem's router would do the same
//! matching, but it also records the matched pattern in the request's and the answer's extension
//! maps (six allocations a call), and the parameters it finds can only be read by poem's own
//! extractors. Twenty-odd patterns of literal and `:param` segments need no byte-wise radix tree:
//! a tree of whole segments matches a call, and its parameters are kept as places in the path,
//! decoded only when an operation reads them.

use std::borrow::Cow;
use std::ops::Range;

use percent_encoding::percent_decode_str;
use poem::{Request, RequestBody};
use poem_openapi::error::ParsePathError;
use poem_openapi::registry::{MetaParamIn, MetaSchemaRef, Registry};
use poem_openapi::types::ParseFromParameter;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

/// The most parameters one path may have (the REST routes have at most one).
const MAX_PARAMETERS: usize = 2;

/// The routes, as a tree of path segments: each node's written-out segments, then its parameter.
pub struct Router<T> {
    literals: Vec<(Box<str>, Router<T>)>,
    parameter: Option<Box<Router<T>>>,
    target: Option<T>,
}

impl<T> Router<T> {
    pub fn new() -> Router<T> {
        Router { literals: Vec::new(), parameter: None, target: None }
    }

    /// Adds a route as poem-openapi names it: `/users/:param0/orders`. Parameters are named by
    /// position, which is how `Path` finds them again.
    pub fn at(&mut self, path: &str, target: T) -> anyhow::Result<()> {
        let mut node = self;
        let mut parameters = 0;
        for segment in path.strip_prefix('/').unwrap_or(path).split('/') {
            node = match segment.strip_prefix(':') {
                Some(name) => {
                    anyhow::ensure!(name == format!("param{parameters}"), "{path}: {segment} is not named by position");
                    parameters += 1;
                    anyhow::ensure!(parameters <= MAX_PARAMETERS, "{path} has more than {MAX_PARAMETERS} parameters");
                    node.parameter.get_or_insert_with(|| Box::new(Router::new()))
                }
                None => match node.literals.iter().position(|(literal, _)| **literal == *segment) {
                    Some(known) => &mut node.literals[known].1,
                    None => {
                        node.literals.push((segment.into(), Router::new()));
                        &mut node.literals.last_mut().expect("just pushed").1
                    }
                },
            };
        }
        anyhow::ensure!(node.target.is_none(), "{path} is routed twice");
        node.target = Some(target);
        Ok(())
    }

    /// The route a path takes, and where its parameters are in it. The path is matched as sent
    /// (a percent-encoded literal does not match), a parameter is never empty, and where two
    /// routes match, a written-out segment wins over a parameter in the same place, as in poem's
    /// router: `/webhooks/inbox/deliveries` is an inbox, not a webhook's deliveries.
    pub fn find(&self, path: &str) -> Option<(&T, PathParameters)> {
        let mut parameters = PathParameters::default();
        let target = self.find_from(Some(path.strip_prefix('/')?), 1, &mut parameters)?;
        Some((target, parameters))
    }

    /// Matches `rest`, the path after the `/` at `offset - 1`, from this node on; `None` once
    /// the path has no more segments.
    fn find_from(&self, rest: Option<&str>, offset: usize, parameters: &mut PathParameters) -> Option<&T> {
        let Some(rest) = rest else { return self.target.as_ref() };
        // A byte scan: segments are a few bytes long, too short for `split_once`'s searcher to pay.
        let (segment, tail) = match rest.bytes().position(|byte| byte == b'/') {
            Some(slash) => (&rest[..slash], Some(&rest[slash + 1..])),
            None => (rest, None),
        };
        let after = offset + segment.len() + 1;
        for (literal, node) in &self.literals {
            if **literal == *segment {
                if let Some(target) = node.find_from(tail, after, parameters) {
                    return Some(target);
                }
            }
        }
        let node = self.parameter.as_deref().filter(|_| !segment.is_empty())?;
        let before = parameters.count;
        parameters.places[before] = offset..offset + segment.len();
        parameters.count += 1;
        let target = node.find_from(tail, after, parameters);
        if target.is_none() {
            parameters.count = before;
        }
        target
    }
}

/// Where a call's path parameters are in its path, in order: kept in the request's extensions
/// for `Path` to read.
#[derive(Clone, Default)]
pub struct PathParameters {
    places: [Range<usize>; MAX_PARAMETERS],
    count: usize,
}

impl PathParameters {
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The `index`th parameter of `path`, percent-decoded; `None` when it is not UTF-8.
    fn get<'a>(&self, path: &'a str, index: usize) -> Option<Cow<'a, str>> {
        let raw = path.get(self.places[..self.count].get(index)?.clone())?;
        match raw.contains('%') {
            true => percent_decode_str(raw).decode_utf8().ok(),
            // The path is text already: nothing to decode or check.
            false => Some(Cow::Borrowed(raw)),
        }
    }
}

/// A parameter in the URI path, found by [`Router`]: what poem-openapi's own `Path` is, for
/// routes poem's router did not match. poem-openapi names it by position (`param0`), since a
/// `Path` type's name is how it knows one.
pub struct Path<T>(pub T);

impl<'a, T: ParseFromParameter> ApiExtractor<'a> for Path<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = T::IS_REQUIRED;

    type ParamType = T;
    type ParamRawType = T::RawValueType;

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Path)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        Some(T::schema_ref())
    }

    fn param_raw_type(&self) -> Option<&Self::ParamRawType> {
        self.0.as_raw_value()
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut RequestBody,
        param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let index = param_opts.name.strip_prefix("param").and_then(|index| index.parse().ok());
        let value = request
            .extensions()
            .get::<PathParameters>()
            .zip(index)
            .and_then(|(parameters, index)| parameters.get(request.uri().path(), index));
        T::parse_from_parameters(value.as_deref())
            .map(Path)
            .map_err(|error| ParsePathError { name: param_opts.name, reason: error.into_message() }.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router<&'static str> {
        let mut router = Router::new();
        for path in [
            "/api/v1/users",
            "/api/v1/users/:param0",
            "/api/v1/users/:param0/orders",
            "/api/v1/users/inbox/:param0",
            "/api/v1/users/:param0/orders/:param1",
            "/.well-known/jwks.json",
        ] {
            router.at(path, path).expect("a route named by position");
        }
        router
    }

    fn found(path: &str) -> Option<(&'static str, Vec<String>)> {
        let router = router();
        let (route, parameters) = router.find(path)?;
        let values = (0..parameters.count).filter_map(|index| parameters.get(path, index)).map(String::from);
        Some((*route, values.collect()))
    }

    #[test]
    fn paths_match_whole_segments_and_parameters_are_decoded() {
        assert_eq!(found("/api/v1/users"), Some(("/api/v1/users", vec![])));
        assert_eq!(found("/api/v1/users/42"), Some(("/api/v1/users/:param0", vec!["42".to_owned()])));
        assert_eq!(found("/api/v1/users/%34%32/orders"), Some(("/api/v1/users/:param0/orders", vec!["42".to_owned()])));
        assert_eq!(found("/.well-known/jwks.json"), Some(("/.well-known/jwks.json", vec![])));
        assert_eq!(
            found("/api/v1/users/inbox/orders"),
            Some(("/api/v1/users/inbox/:param0", vec!["orders".to_owned()]))
        );
        for unmatched in
            ["/", "", "/api/v1/users/", "/api/v1/users//orders", "/api/v1/users/42/", "/api/v1/%75sers", "/api/v1"]
        {
            assert_eq!(found(unmatched), None, "{unmatched}");
        }
    }

    #[test]
    fn parameters_are_named_by_position_and_bounded() {
        let mut router = Router::new();
        assert!(router.at("/users/:id", ()).is_err());
        assert!(router.at("/a/:param0/:param1/:param2", ()).is_err());
        assert!(router.at("/a/:param0/:param1", ()).is_ok());
        assert!(router.at("/a/:param0/:param1", ()).is_err());
    }
}
