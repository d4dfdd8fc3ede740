"""Events and signed webhooks: a transactional outbox delivered at least once to the clinic's n8n."""
