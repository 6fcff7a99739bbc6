DROP INDEX run_results_company;
