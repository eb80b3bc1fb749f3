-- An operator's pin holds the champion: nightly runs keep training and recording challengers (decision PINNED) but
-- never promote one until the pin is released (unpin-model). Null pinned_by: not pinned.
ALTER TABLE nb_champion ADD COLUMN pinned_by VARCHAR(200);
ALTER TABLE nb_champion ADD COLUMN pinned_reason VARCHAR(1000);
ALTER TABLE nb_champion ADD COLUMN pinned_at TIMESTAMP WITH TIME ZONE;
