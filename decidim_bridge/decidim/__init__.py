"""Everything about Decidim's GraphQL API: documents, schema, client, budget, capabilities."""
