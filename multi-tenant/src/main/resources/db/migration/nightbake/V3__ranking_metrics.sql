-- Ranking metrics recorded beside RMSE for every model version, on the same holdout: the challenger's, the champion's
-- it was compared with, and the popularity baseline's. All nullable: versions registered before this migration
-- have none, and a holdout where no customer has a relevant product has none either.
-- Portable SQL: one column per statement, runs on H2 and PostgreSQL.

ALTER TABLE nb_model_version ADD COLUMN gate_metric VARCHAR(20);
ALTER TABLE nb_model_version ADD COLUMN ranking_k INT;
ALTER TABLE nb_model_version ADD COLUMN ranking_customers INT;
ALTER TABLE nb_model_version ADD COLUMN precision_at_k DOUBLE PRECISION;
ALTER TABLE nb_model_version ADD COLUMN recall_at_k DOUBLE PRECISION;
ALTER TABLE nb_model_version ADD COLUMN ndcg_at_k DOUBLE PRECISION;
ALTER TABLE nb_model_version ADD COLUMN champion_precision_at_k DOUBLE PRECISION;
ALTER TABLE nb_model_version ADD COLUMN champion_recall_at_k DOUBLE PRECISION;
ALTER TABLE nb_model_version ADD COLUMN champion_ndcg_at_k DOUBLE PRECISION;
ALTER TABLE nb_model_version ADD COLUMN popularity_precision_at_k DOUBLE PRECISION;
ALTER TABLE nb_model_version ADD COLUMN popularity_recall_at_k DOUBLE PRECISION;
ALTER TABLE nb_model_version ADD COLUMN popularity_ndcg_at_k DOUBLE PRECISION;
