-- The scheduler's claims: one row per quarter it rates, inserted in the
-- same transaction as the run it stores. Replicas that tick together on one
-- database race for the row; the one that inserts it rates the quarter, the
-- others find it taken (exactly once, never a process-local flag).
CREATE TABLE scheduled_runs (
    period TEXT PRIMARY KEY NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    run_id INTEGER REFERENCES rating_runs (id)
);
