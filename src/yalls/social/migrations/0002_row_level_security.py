"""Row-level security on the private social tables: mutes and hides are the member's own; a block
is visible to both sides (each must be able to check it), to nobody else."""

from django.db import migrations

from yalls.core.rls import enable_rls

BLOCK_PREDICATE = (
    "nullif(current_setting('app.user_id', true), '')::uuid IN (blocker_id, blocked_id)"
)
BLOCK_WRITE_PREDICATE = "blocker_id = nullif(current_setting('app.user_id', true), '')::uuid"


class Migration(migrations.Migration):
    dependencies = [("social", "0001_initial")]

    operations = [
        enable_rls("social_mute", "muter_id"),
        enable_rls("social_hide", "member_id"),
        migrations.RunSQL(
            sql=f"""
            ALTER TABLE social_block ENABLE ROW LEVEL SECURITY;
            CREATE POLICY block_parties_read ON social_block FOR SELECT USING ({BLOCK_PREDICATE});
            CREATE POLICY block_blocker_insert ON social_block FOR INSERT WITH CHECK ({BLOCK_WRITE_PREDICATE});
            CREATE POLICY block_blocker_delete ON social_block FOR DELETE USING ({BLOCK_WRITE_PREDICATE});
            """,
            reverse_sql="""
            DROP POLICY IF EXISTS block_parties_read ON social_block;
            DROP POLICY IF EXISTS block_blocker_insert ON social_block;
            DROP POLICY IF EXISTS block_blocker_delete ON social_block;
            ALTER TABLE social_block DISABLE ROW LEVEL SECURITY;
            """,
        ),
    ]
