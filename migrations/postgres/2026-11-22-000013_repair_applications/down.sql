DROP TABLE repair_evidence;
DROP TABLE repair_applications;
