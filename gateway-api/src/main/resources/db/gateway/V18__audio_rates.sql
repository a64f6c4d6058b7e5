-- Audio prices (issue 15): transcription per second of input audio, speech per character of input text,
-- in micro-credits, as ModelRateSet carries them. Versions set before audio existed price neither (0).
alter table model_rate_versions
    add column audio_second_micros     bigint not null default 0 check (audio_second_micros >= 0),
    add column speech_character_micros bigint not null default 0 check (speech_character_micros >= 0);
