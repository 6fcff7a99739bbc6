DROP TABLE credit_reports;
