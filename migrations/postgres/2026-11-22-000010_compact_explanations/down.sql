-- Back to JSON text, which the compact rows cannot be: refuse while any
-- run stored after the upgrade remains.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM run_results WHERE get_byte(explanation, 0) <> 123) THEN
        RAISE EXCEPTION 'run_results holds explanations in the compact format, which text cannot hold: delete those runs first';
    END IF;
END
$$;
ALTER TABLE run_results ALTER COLUMN explanation TYPE text
    USING convert_from(explanation, 'UTF8');
