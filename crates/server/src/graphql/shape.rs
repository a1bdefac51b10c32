//! Limits on a query's shape, checked right after parsing on every path a query takes (HTTP GET
//! and POST, and `/graphql/ws`), before any resolver runs:
//! - size: the text itself is bounded, so parsing costs little;
//! - depth, with introspection exempt: GraphiQL's and client libraries' standard introspection
//!   query nests deeper than any sane data query, and the graph's cycles (user → orders → user)
//!   are what a depth limit is for;
//! - aliases: `a1: user(id: 1) ... a999: user(id: 999)` is one field repeated, cheap to write and
//!   costly to answer.
//!
//! Complexity (what a query would cost, with lists weighed by their page size) is async-graphql's
//! own limit, set in `schemas`.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

/// The longest query text accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// The most aliased fields one query may ask for, fragments expanded.
pub const MAX_ALIASES: usize = 30;

#[derive(Clone, Copy)]
pub struct ShapeLimits {
    pub max_depth: usize,
}

impl ExtensionFactory for ShapeLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

/// What a selection set adds up to, fragments inlined.
#[derive(Default, Clone, Copy)]
struct Shape {
    depth: usize,
    aliases: usize,
}

/// The shape of a selection set; `__schema` and `__type` add no depth, and a fragment cycle
/// adds nothing (validation refuses it next).
fn shape<'a>(document: &'a ExecutableDocument, set: &'a SelectionSet, visiting: &mut HashSet<&'a str>) -> Shape {
    let mut total = Shape::default();
    for selection in &set.items {
        let inner = match &selection.node {
            Selection::Field(field) => {
                let inner = shape(document, &field.node.selection_set.node, visiting);
                let name = field.node.name.node.as_str();
                let introspection = name == "__schema" || name == "__type";
                Shape {
                    depth: if introspection { 0 } else { 1 + inner.depth },
                    aliases: inner.aliases + usize::from(field.node.alias.is_some()),
                }
            }
            Selection::InlineFragment(fragment) => shape(document, &fragment.node.selection_set.node, visiting),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match document.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) if visiting.insert(name) => {
                        let inner = shape(document, &fragment.node.selection_set.node, visiting);
                        visiting.remove(name);
                        inner
                    }
                    _ => Shape::default(),
                }
            }
        };
        total.depth = total.depth.max(inner.depth);
        total.aliases = total.aliases.saturating_add(inner.aliases);
    }
    total
}

fn refuse(message: String) -> ServerError {
    ServerError::new(message, None)
}

#[async_graphql::async_trait::async_trait]
impl Extension for ShapeLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if query.len() > MAX_QUERY_BYTES {
            return Err(refuse(format!(
                "the query is {} bytes; the limit is {MAX_QUERY_BYTES} (send variables, not inlined data)",
                query.len()
            )));
        }
        let document = next.run(ctx, query, variables).await?;
        for (_, operation) in document.operations.iter() {
            let Shape { depth, aliases } = shape(&document, &operation.node.selection_set.node, &mut HashSet::new());
            if depth > self.max_depth {
                return Err(refuse(format!(
                    "the query is {depth} levels deep; the limit is {} (introspection is exempt)",
                    self.max_depth
                )));
            }
            if aliases > MAX_ALIASES {
                return Err(refuse(format!(
                    "the query has {aliases} aliased fields; the limit is {MAX_ALIASES} (use a list field instead)"
                )));
            }
        }
        Ok(document)
    }
}
