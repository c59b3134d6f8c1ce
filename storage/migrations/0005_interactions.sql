-- Version 5: interactions with customers (calls, visits, meetings, e-mails, notes) and
-- follow-up tasks. Times are UTC ISO-8601 with microseconds, so text order is time order.
-- No ON DELETE CASCADE: merging two customers moves their interactions, it never drops them.
CREATE TABLE interactions (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    kind TEXT NOT NULL CHECK (kind IN ('call', 'visit', 'meeting', 'email', 'note')),
    at TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES users (id),
    summary TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    next_step TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
-- The timeline: newest first within one customer, paged by (at, id).
CREATE INDEX interactions_timeline ON interactions (customer_id, at, id);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    title TEXT NOT NULL,
    due TEXT NOT NULL,
    assignee_id INTEGER NOT NULL REFERENCES users (id),
    done_at TEXT,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    interaction_id INTEGER REFERENCES interactions (id)
);
-- A rep's or a team's "today" view: open tasks of some assignees by due date.
CREATE INDEX tasks_assignee ON tasks (assignee_id, done_at, due);
-- An administrator's "today" view: every open task by due date.
CREATE INDEX tasks_open ON tasks (done_at, due);
-- The tasks of one customer.
CREATE INDEX tasks_customer ON tasks (customer_id, due);
