//! Recognising introspection queries, which run on their own schema (see [`super::Schemas`]).

use async_graphql::parser::parse_query;
use async_graphql::parser::types::Selection;

/// Whether every operation in `query` selects only introspection fields (`__schema`,
/// `__type`, `__typename`) at its top level. Unparsable text is not introspection; the API
/// schema then reports the parse error.
pub fn is_introspection_only(query: &str) -> bool {
    let Ok(document) = parse_query(query) else {
        return false;
    };
    document.operations.iter().all(|(_, operation)| {
        operation
            .node
            .selection_set
            .node
            .items
            .iter()
            .all(|selection| match &selection.node {
                Selection::Field(field) => field.node.name.node.starts_with("__"),
                _ => false,
            })
    })
}

#[cfg(test)]
mod tests {
    use super::is_introspection_only;

    #[test]
    fn only_queries_of_introspection_fields_count() {
        assert!(is_introspection_only(
            "query IntrospectionQuery { __schema { types { name } } }"
        ));
        assert!(is_introspection_only(
            "{ __type(name: \"Agent\") { name } __typename }"
        ));
        assert!(!is_introspection_only(
            "{ __schema { types { name } } agents { nodes { id } } }"
        ));
        assert!(!is_introspection_only(
            "{ ...F } fragment F on Query { __typename }"
        ));
        assert!(!is_introspection_only("{ not graphql"));
    }
}
