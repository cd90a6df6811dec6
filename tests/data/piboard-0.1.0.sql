PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES('0001');
CREATE TABLE board (
	id VARCHAR(40) NOT NULL, 
	name VARCHAR(120) NOT NULL, 
	seq INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO board VALUES('jSQHaC7exEWi','Old ART',6,'2026-11-25 12:08:53.732355');
CREATE TABLE event (
	board_id VARCHAR(40) NOT NULL, 
	seq INTEGER NOT NULL, 
	op_type VARCHAR(40) NOT NULL, 
	client_op_id VARCHAR(80) NOT NULL, 
	op JSON NOT NULL, 
	changes JSON NOT NULL, 
	actor JSON NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (board_id, seq), 
	FOREIGN KEY(board_id) REFERENCES board (id), 
	CONSTRAINT uq_event_client_op UNIQUE (board_id, client_op_id)
);
INSERT INTO event VALUES('jSQHaC7exEWi',1,'board.create','create-jSQHaC7exEWi','{"type": "board.create", "target": null, "base_version": null, "args": {"name": "Old ART", "pi_name": "PI 2026.4"}, "client_op_id": "create-jSQHaC7exEWi"}','[{"kind": "meta", "id": "meta", "before": null, "after": {"id": "meta", "version": 1, "name": "Old ART", "pi_name": "PI 2026.4", "start": null, "end": null, "planning_target": 0.8, "locked": false, "rework": false, "baseline_seq": null, "current_agenda_item": null, "timer_status": "stopped", "timer_ends_at": null, "timer_remaining": null, "roam_focus": null}}, {"kind": "agenda", "id": "3nlmvyxXkNEz", "before": null, "after": {"id": "3nlmvyxXkNEz", "version": 1, "day": 1, "order": 10, "title": "Business context", "minutes": 60}}, {"kind": "agenda", "id": "4vUkptXbzYxd", "before": null, "after": {"id": "4vUkptXbzYxd", "version": 1, "day": 1, "order": 20, "title": "Product vision", "minutes": 90}}, {"kind": "agenda", "id": "QDs13BQjXLDV", "before": null, "after": {"id": "QDs13BQjXLDV", "version": 1, "day": 1, "order": 30, "title": "Architecture vision", "minutes": 60}}, {"kind": "agenda", "id": "j7JCxb0gqN4j", "before": null, "after": {"id": "j7JCxb0gqN4j", "version": 1, "day": 1, "order": 40, "title": "Planning context", "minutes": 30}}, {"kind": "agenda", "id": "R7T6tnNDOCJi", "before": null, "after": {"id": "R7T6tnNDOCJi", "version": 1, "day": 1, "order": 50, "title": "Team breakout #1", "minutes": 180}}, {"kind": "agenda", "id": "3PRYMVAzFZIU", "before": null, "after": {"id": "3PRYMVAzFZIU", "version": 1, "day": 1, "order": 60, "title": "Draft plan review", "minutes": 60}}, {"kind": "agenda", "id": "pL5A8gixSRCl", "before": null, "after": {"id": "pL5A8gixSRCl", "version": 1, "day": 1, "order": 70, "title": "Management review and problem solving", "minutes": 60}}, {"kind": "agenda", "id": "q9IvjLSstHZp", "before": null, "after": {"id": "q9IvjLSstHZp", "version": 1, "day": 2, "order": 80, "title": "Planning adjustments", "minutes": 60}}, {"kind": "agenda", "id": "tyo5fTehHgPC", "before": null, "after": {"id": "tyo5fTehHgPC", "version": 1, "day": 2, "order": 90, "title": "Team breakout #2", "minutes": 180}}, {"kind": "agenda", "id": "hcUeqjOiZbFQ", "before": null, "after": {"id": "hcUeqjOiZbFQ", "version": 1, "day": 2, "order": 100, "title": "Final plan review", "minutes": 90}}, {"kind": "agenda", "id": "OFbqnGVQELsV", "before": null, "after": {"id": "OFbqnGVQELsV", "version": 1, "day": 2, "order": 110, "title": "ART risks (ROAM)", "minutes": 45}}, {"kind": "agenda", "id": "eTjwX8YvXbsA", "before": null, "after": {"id": "eTjwX8YvXbsA", "version": 1, "day": 2, "order": 120, "title": "Confidence vote", "minutes": 15}}, {"kind": "agenda", "id": "DeIw2SKHodAr", "before": null, "after": {"id": "DeIw2SKHodAr", "version": 1, "day": 2, "order": 130, "title": "Plan rework if needed", "minutes": 60}}, {"kind": "agenda", "id": "rj17s3nBreTU", "before": null, "after": {"id": "rj17s3nBreTU", "version": 1, "day": 2, "order": 140, "title": "Planning retrospective", "minutes": 30}}]','{"id": "founder", "name": "Board creator", "role": "rte", "team_id": null}','2026-11-25 12:08:53.746884');
INSERT INTO event VALUES('jSQHaC7exEWi',2,'team.create','srv-5dLGLWFwpOgp','{"type": "team.create", "target": null, "base_version": null, "args": {"id": "alpha", "name": "Alpha"}, "client_op_id": "srv-5dLGLWFwpOgp"}','[{"kind": "team", "id": "alpha", "before": null, "after": {"id": "alpha", "version": 1, "name": "Alpha", "color": "#4a6fa5"}}]','{"id": "founder", "name": "Board creator", "role": "rte", "team_id": null}','2026-11-25 12:08:53.762562');
INSERT INTO event VALUES('jSQHaC7exEWi',3,'iteration.create','srv-NPnDxNFEhBdB','{"type": "iteration.create", "target": null, "base_version": null, "args": {"id": "it1", "number": 1, "name": "Iteration 1"}, "client_op_id": "srv-NPnDxNFEhBdB"}','[{"kind": "iteration", "id": "it1", "before": null, "after": {"id": "it1", "version": 1, "number": 1, "name": "Iteration 1", "start": null, "end": null, "is_ip": false, "weeks": 2}}]','{"id": "founder", "name": "Board creator", "role": "rte", "team_id": null}','2026-11-25 12:08:53.767841');
INSERT INTO event VALUES('jSQHaC7exEWi',4,'member.create','srv-zzYGtjwBP4rS','{"type": "member.create", "target": null, "base_version": null, "args": {"id": "m1", "name": "Ann", "team_id": "alpha"}, "client_op_id": "srv-zzYGtjwBP4rS"}','[{"kind": "member", "id": "m1", "before": null, "after": {"id": "m1", "version": 1, "name": "Ann", "team_id": "alpha", "role": "developer", "fte": 1.0, "days_off": {}}}]','{"id": "founder", "name": "Board creator", "role": "rte", "team_id": null}','2026-11-25 12:08:53.769000');
INSERT INTO event VALUES('jSQHaC7exEWi',5,'feature.create','srv-XwUSc52dK8TZ','{"type": "feature.create", "target": null, "base_version": null, "args": {"id": "f1", "title": "Checkout", "team_id": "alpha", "iteration_id": "it1"}, "client_op_id": "srv-XwUSc52dK8TZ"}','[{"kind": "feature", "id": "f1", "before": null, "after": {"id": "f1", "version": 1, "title": "Checkout", "description": "", "acceptance": "", "feature_kind": "feature", "rank": 10, "team_id": "alpha", "iteration_id": "it1", "state": "planned", "external_key": ""}}]','{"id": "founder", "name": "Board creator", "role": "rte", "team_id": null}','2026-11-25 12:08:53.769966');
INSERT INTO event VALUES('jSQHaC7exEWi',6,'story.create','srv-q81SESmKNc9h','{"type": "story.create", "target": null, "base_version": null, "args": {"id": "s1", "title": "Cart", "team_id": "alpha", "iteration_id": "it1", "points": 5}, "client_op_id": "srv-q81SESmKNc9h"}','[{"kind": "story", "id": "s1", "before": null, "after": {"id": "s1", "version": 1, "title": "Cart", "feature_id": null, "team_id": "alpha", "iteration_id": "it1", "points": 5, "status": "todo", "external_key": ""}}]','{"id": "founder", "name": "Board creator", "role": "rte", "team_id": null}','2026-11-25 12:08:53.776123');
CREATE TABLE item (
	board_id VARCHAR(40) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	item_id VARCHAR(100) NOT NULL, 
	version INTEGER NOT NULL, 
	data JSON NOT NULL, 
	PRIMARY KEY (board_id, kind, item_id), 
	FOREIGN KEY(board_id) REFERENCES board (id)
);
INSERT INTO item VALUES('jSQHaC7exEWi','meta','meta',1,'{"id": "meta", "version": 1, "name": "Old ART", "pi_name": "PI 2026.4", "start": null, "end": null, "planning_target": 0.8, "locked": false, "rework": false, "baseline_seq": null, "current_agenda_item": null, "timer_status": "stopped", "timer_ends_at": null, "timer_remaining": null, "roam_focus": null}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','3nlmvyxXkNEz',1,'{"id": "3nlmvyxXkNEz", "version": 1, "day": 1, "order": 10, "title": "Business context", "minutes": 60}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','4vUkptXbzYxd',1,'{"id": "4vUkptXbzYxd", "version": 1, "day": 1, "order": 20, "title": "Product vision", "minutes": 90}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','QDs13BQjXLDV',1,'{"id": "QDs13BQjXLDV", "version": 1, "day": 1, "order": 30, "title": "Architecture vision", "minutes": 60}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','j7JCxb0gqN4j',1,'{"id": "j7JCxb0gqN4j", "version": 1, "day": 1, "order": 40, "title": "Planning context", "minutes": 30}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','R7T6tnNDOCJi',1,'{"id": "R7T6tnNDOCJi", "version": 1, "day": 1, "order": 50, "title": "Team breakout #1", "minutes": 180}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','3PRYMVAzFZIU',1,'{"id": "3PRYMVAzFZIU", "version": 1, "day": 1, "order": 60, "title": "Draft plan review", "minutes": 60}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','pL5A8gixSRCl',1,'{"id": "pL5A8gixSRCl", "version": 1, "day": 1, "order": 70, "title": "Management review and problem solving", "minutes": 60}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','q9IvjLSstHZp',1,'{"id": "q9IvjLSstHZp", "version": 1, "day": 2, "order": 80, "title": "Planning adjustments", "minutes": 60}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','tyo5fTehHgPC',1,'{"id": "tyo5fTehHgPC", "version": 1, "day": 2, "order": 90, "title": "Team breakout #2", "minutes": 180}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','hcUeqjOiZbFQ',1,'{"id": "hcUeqjOiZbFQ", "version": 1, "day": 2, "order": 100, "title": "Final plan review", "minutes": 90}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','OFbqnGVQELsV',1,'{"id": "OFbqnGVQELsV", "version": 1, "day": 2, "order": 110, "title": "ART risks (ROAM)", "minutes": 45}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','eTjwX8YvXbsA',1,'{"id": "eTjwX8YvXbsA", "version": 1, "day": 2, "order": 120, "title": "Confidence vote", "minutes": 15}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','DeIw2SKHodAr',1,'{"id": "DeIw2SKHodAr", "version": 1, "day": 2, "order": 130, "title": "Plan rework if needed", "minutes": 60}');
INSERT INTO item VALUES('jSQHaC7exEWi','agenda','rj17s3nBreTU',1,'{"id": "rj17s3nBreTU", "version": 1, "day": 2, "order": 140, "title": "Planning retrospective", "minutes": 30}');
INSERT INTO item VALUES('jSQHaC7exEWi','team','alpha',1,'{"id": "alpha", "version": 1, "name": "Alpha", "color": "#4a6fa5"}');
INSERT INTO item VALUES('jSQHaC7exEWi','iteration','it1',1,'{"id": "it1", "version": 1, "number": 1, "name": "Iteration 1", "start": null, "end": null, "is_ip": false, "weeks": 2}');
INSERT INTO item VALUES('jSQHaC7exEWi','member','m1',1,'{"id": "m1", "version": 1, "name": "Ann", "team_id": "alpha", "role": "developer", "fte": 1.0, "days_off": {}}');
INSERT INTO item VALUES('jSQHaC7exEWi','feature','f1',1,'{"id": "f1", "version": 1, "title": "Checkout", "description": "", "acceptance": "", "feature_kind": "feature", "rank": 10, "team_id": "alpha", "iteration_id": "it1", "state": "planned", "external_key": ""}');
INSERT INTO item VALUES('jSQHaC7exEWi','story','s1',1,'{"id": "s1", "version": 1, "title": "Cart", "feature_id": null, "team_id": "alpha", "iteration_id": "it1", "points": 5, "status": "todo", "external_key": ""}');
CREATE TABLE join_link (
	id VARCHAR(40) NOT NULL, 
	board_id VARCHAR(40) NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	team_id VARCHAR(40), 
	label VARCHAR(80) NOT NULL, 
	created_at DATETIME NOT NULL, 
	revoked_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(board_id) REFERENCES board (id), 
	UNIQUE (token_hash)
);
CREATE TABLE participant (
	id VARCHAR(40) NOT NULL, 
	board_id VARCHAR(40) NOT NULL, 
	link_id VARCHAR(40) NOT NULL, 
	name VARCHAR(80) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(board_id) REFERENCES board (id), 
	FOREIGN KEY(link_id) REFERENCES join_link (id)
);
CREATE INDEX ix_join_link_board_id ON join_link (board_id);
CREATE INDEX ix_participant_board_id ON participant (board_id);
COMMIT;
