//! The depth limit, with introspection exempt: GraphiQL's and client libraries' standard
//! introspection query nests deeper than any sane data query, and the graph's cycles
//! (user → orders → user) are what a depth limit is for. Runs on every path a query takes
//! (HTTP GET and POST, and `/graphql/ws`), right after parsing.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

pub struct DepthLimit {
    pub max_depth: usize,
}

impl ExtensionFactory for DepthLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DepthLimitExtension { max_depth: self.max_depth })
    }
}

struct DepthLimitExtension {
    max_depth: usize,
}

/// How deep a selection set goes, fragments inlined; `__schema` and `__type` do not count, and a
/// fragment cycle counts nothing (validation refuses it next).
fn depth<'a>(document: &'a ExecutableDocument, set: &'a SelectionSet, visiting: &mut HashSet<&'a str>) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                if name == "__schema" || name == "__type" {
                    0
                } else {
                    1 + depth(document, &field.node.selection_set.node, visiting)
                }
            }
            Selection::InlineFragment(fragment) => depth(document, &fragment.node.selection_set.node, visiting),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match document.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) if visiting.insert(name) => {
                        let inner = depth(document, &fragment.node.selection_set.node, visiting);
                        visiting.remove(name);
                        inner
                    }
                    _ => 0,
                }
            }
        })
        .max()
        .unwrap_or(0)
}

#[async_graphql::async_trait::async_trait]
impl Extension for DepthLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let deepest = document
            .operations
            .iter()
            .map(|(_, operation)| depth(&document, &operation.node.selection_set.node, &mut HashSet::new()))
            .max()
            .unwrap_or(0);
        if deepest > self.max_depth {
            return Err(ServerError::new(
                format!(
                    "the query is {deepest} levels deep; the limit is {} (introspection is exempt)",
                    self.max_depth
                ),
                None,
            ));
        }
        Ok(document)
    }
}
