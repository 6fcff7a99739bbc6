CREATE INDEX survey_responses_day ON survey_responses (surveyed_on, community_code, overall);
DROP TABLE survey_tallies;
