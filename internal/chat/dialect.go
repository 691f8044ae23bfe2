package chat

// The SQL that differs between PostgreSQL and SQLite.

// lockSuffix returns the row-lock clause of a SELECT on PostgreSQL (strength
// "UPDATE", "SHARE"…); on SQLite, whose write transactions hold the
// database's write lock from BEGIN, none is needed.
func (s *Service) lockSuffix(strength string) string {
	if s.db.IsPostgres() {
		return " FOR " + strength
	}
	return ""
}

// greatest returns the SQL of the larger of a and b.
func (s *Service) greatest(a, b string) string {
	if s.db.IsPostgres() {
		return "GREATEST(" + a + ", " + b + ")"
	}
	return "MAX(" + a + ", " + b + ")"
}
