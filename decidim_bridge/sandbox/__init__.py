"""The Decidim sandbox: an embedded, faithful stand-in for Decidim's API.

It serves the bridge's Decidim 0.32 SDL with graphql-core over an in-memory organization
(Gemeente Lindeburg), signs API users in with key/secret -> JWT, applies Decidim's rate
limit, query limits and error shapes, and sends signed Standard Webhooks when proposals
change. See docs/sandbox.md.
"""
