DROP TABLE run_results;
DROP TABLE rating_runs;
