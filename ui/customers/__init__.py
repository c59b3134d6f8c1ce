"""The customer screens: the lazily fetched list with search, a customer's detail with its
protected fields, timeline and tasks, the edit form, and the "Today" page of due tasks."""
