-- Spring Batch finds a partition's last execution by job instance and step name (getLastStepExecution). Without this
-- index each lookup scans every step execution of the run, and the splitters and publish look up once per tenant, so
-- the night grew with the square of the fleet. (issue 11)
CREATE INDEX nb_batch_step_execution_name ON BATCH_STEP_EXECUTION (JOB_EXECUTION_ID, STEP_NAME);
