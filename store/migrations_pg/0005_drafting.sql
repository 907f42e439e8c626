-- 0005: what drafts need beyond the contact's name (twin of migrations/0005_drafting.sql).
ALTER TABLE contacts ADD COLUMN sms_consent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN tz TEXT NOT NULL DEFAULT '';
ALTER TABLE reps ADD COLUMN booking TEXT NOT NULL DEFAULT '';
ALTER TABLE reps ADD COLUMN signature TEXT NOT NULL DEFAULT '';
