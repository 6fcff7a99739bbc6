-- A company's page reads its results across runs by company code.
CREATE INDEX run_results_company ON run_results (company_code);
