DROP INDEX complaints_received;
CREATE INDEX complaints_received ON complaints (received_at, complaint_id);
