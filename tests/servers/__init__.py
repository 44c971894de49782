"""Real servers on loopback for golive's self-tests (nginx, PostgreSQL, Prometheus, sshd...)."""
