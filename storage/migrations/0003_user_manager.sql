-- Version 3: teams. A sales rep's manager sees the rep's customers.
ALTER TABLE users ADD COLUMN manager_id INTEGER REFERENCES users (id);
CREATE INDEX users_manager ON users (manager_id);
