-- A workspace made by the application before the migrations (commit ff7a079, issue 14):
-- three imports by key, a document and a deletion; dumped with sqlite3 iterdump.
BEGIN TRANSACTION;
CREATE TABLE data_bpe_eaje (dataset_id INTEGER NOT NULL, "code_insee" TEXT, "annee" INTEGER, "nb_eaje" INTEGER);
INSERT INTO "data_bpe_eaje" VALUES(1,'01004',2021,3);
INSERT INTO "data_bpe_eaje" VALUES(1,'42218',2021,40);
INSERT INTO "data_bpe_eaje" VALUES(1,'2A004',2021,0);
INSERT INTO "data_bpe_eaje" VALUES(2,'42218',2021,40);
INSERT INTO "data_bpe_eaje" VALUES(2,'2A004',2021,0);
INSERT INTO "data_bpe_eaje" VALUES(3,'01004',2021,5);
INSERT INTO "data_bpe_eaje" VALUES(4,'01004',2022,7);
INSERT INTO "data_bpe_eaje" VALUES(4,'42218',2022,40);
INSERT INTO "data_bpe_eaje" VALUES(4,'2A004',2022,0);
CREATE TABLE datasets (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL, millesime INTEGER, producer TEXT NOT NULL,
                    source_file TEXT NOT NULL, rows INTEGER NOT NULL, imported_at TEXT NOT NULL,
                    nature TEXT NOT NULL, label TEXT, source_id TEXT, notes TEXT,
                    scope TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1,
                    version_id INTEGER, copy_of INTEGER
                );
INSERT INTO "datasets" VALUES(1,'bpe_eaje',2021,'INSEE','bpe_2021.csv',3,'2026-12-01T12:17:36+00:00','réel','','','[]','',0,1,NULL);
INSERT INTO "datasets" VALUES(2,'bpe_eaje',2021,'INSEE','bpe_2021.csv',2,'2026-12-01T12:17:36+00:00','réel','','','[]','',1,2,1);
INSERT INTO "datasets" VALUES(3,'bpe_eaje',2021,'INSEE','bpe_2021_v2.csv',1,'2026-12-01T12:17:37+00:00','réel','','','[]','',1,2,NULL);
INSERT INTO "datasets" VALUES(4,'bpe_eaje',2022,'INSEE','bpe_2022.csv',3,'2026-12-01T12:17:37+00:00','synthétique','','','[]','',0,3,NULL);
CREATE TABLE documents (
                    kind TEXT NOT NULL, name TEXT NOT NULL, payload TEXT NOT NULL,
                    updated_at TEXT NOT NULL, PRIMARY KEY (kind, name)
                );
INSERT INTO "documents" VALUES('zonage','Essai','{"communes": ["42218"], "nom": "Essai"}','2026-12-01T12:17:37+00:00');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO "meta" VALUES('revision','5');
CREATE TABLE versions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
                    created_at TEXT NOT NULL, author TEXT NOT NULL, action TEXT NOT NULL,
                    source_file TEXT NOT NULL DEFAULT '', mode TEXT NOT NULL DEFAULT '',
                    added INTEGER NOT NULL DEFAULT 0, replaced INTEGER NOT NULL DEFAULT 0,
                    removed INTEGER NOT NULL DEFAULT 0, rows INTEGER NOT NULL DEFAULT 0,
                    datasets TEXT NOT NULL, restored_from INTEGER
                );
INSERT INTO "versions" VALUES(1,'bpe_eaje','2026-12-01T12:17:36+00:00','alice','import','bpe_2021.csv','key',3,0,0,3,'[1]',NULL);
INSERT INTO "versions" VALUES(2,'bpe_eaje','2026-12-01T12:17:37+00:00','bob','import','bpe_2021_v2.csv','key',0,1,0,3,'[2, 3]',NULL);
INSERT INTO "versions" VALUES(3,'bpe_eaje','2026-12-01T12:17:37+00:00','alice','import','bpe_2022.csv','key',3,0,0,6,'[2, 3, 4]',NULL);
INSERT INTO "versions" VALUES(4,'bpe_eaje','2026-12-01T12:17:37+00:00','carol','delete','bpe_2022.csv','',0,0,3,3,'[2, 3]',NULL);
CREATE INDEX idx_versions_kind ON versions(kind, id);
CREATE INDEX idx_bpe_eaje_ds ON data_bpe_eaje(dataset_id);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('versions',4);
INSERT INTO "sqlite_sequence" VALUES('datasets',4);
COMMIT;
