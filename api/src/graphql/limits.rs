//! Limits async-graphql does not set itself: the number of aliases in one document. Each
//! alias runs its field again, so a small request could otherwise ask for the same
//! expensive list hundreds of times.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

use super::error_codes::{VALIDATION_FAILED, with_code};

/// Refuses documents with more than `max` aliased fields.
pub struct AliasLimit {
    max: usize,
}

impl AliasLimit {
    pub fn new(max: usize) -> Self {
        AliasLimit { max }
    }
}

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimitExtension { max: self.max })
    }
}

struct AliasLimitExtension {
    max: usize,
}

#[async_trait::async_trait]
impl Extension for AliasLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&document);
        if aliases > self.max {
            return Err(with_code(
                ServerError::new(
                    format!(
                        "the document has {aliases} aliases; at most {} are allowed",
                        self.max
                    ),
                    None,
                ),
                VALIDATION_FAILED,
            ));
        }
        Ok(document)
    }
}

/// Aliased fields in every operation and fragment of `document`.
pub fn count_aliases(document: &ExecutableDocument) -> usize {
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| in_selection_set(&op.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| in_selection_set(&f.node.selection_set.node))
        .sum();
    operations + fragments
}

fn in_selection_set(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + in_selection_set(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => {
                in_selection_set(&fragment.node.selection_set.node)
            }
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::count_aliases;
    use async_graphql::parser::parse_query;

    #[test]
    fn aliases_are_counted_in_operations_fragments_and_nested_fields() {
        let document = parse_query(
            "{ a: agents { nodes { x: id y: name } } ...F } \
             fragment F on Query { b: agents { nodes { id } } }",
        )
        .unwrap();
        assert_eq!(count_aliases(&document), 4);
    }
}
