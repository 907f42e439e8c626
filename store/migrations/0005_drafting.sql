-- 0005: what drafts need beyond the contact's name: the contact's consent to texts (an SMS step
-- without it is skipped, never drafted) and time zone, and each rep's own booking link and sign-off.
ALTER TABLE contacts ADD COLUMN sms_consent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN tz TEXT NOT NULL DEFAULT '';
ALTER TABLE reps ADD COLUMN booking TEXT NOT NULL DEFAULT '';
ALTER TABLE reps ADD COLUMN signature TEXT NOT NULL DEFAULT '';
