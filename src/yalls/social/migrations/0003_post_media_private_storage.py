"""Post media move to the private storage: links are signed and expire, and each fetch is checked
(a draft's images were served to anyone under /media/). Files already written under MEDIA_ROOT
are moved across, so the public /media/ route no longer has them."""

from django.core.files.storage import storages
from django.db import migrations, models

import yalls.core.storage
import yalls.social.models


def move_files_to_private_storage(apps, schema_editor):
    """Every file under the public storage's posts/ folder (post media are the only thing written
    there): walked on disk rather than read from the table, which row-level security may narrow."""
    public, private = storages["default"], storages["private"]
    if not public.exists("posts"):
        return
    post_folders, _files = public.listdir("posts")
    for folder in post_folders:
        _subfolders, files = public.listdir(f"posts/{folder}")
        for file in files:
            name = f"posts/{folder}/{file}"
            if not private.exists(name):
                with public.open(name, "rb") as handle:
                    stored = private.save(name, handle)
                if stored != name:  # never expected: the names are unique by construction
                    raise RuntimeError(f"private storage renamed {name} to {stored}")
            public.delete(name)


class Migration(migrations.Migration):
    dependencies = [("social", "0002_row_level_security")]

    operations = [
        migrations.AlterField(
            model_name="postmedia",
            name="file",
            field=models.FileField(
                storage=yalls.core.storage.private_storage,
                upload_to=yalls.social.models.post_media_path,
            ),
        ),
        migrations.AlterField(
            model_name="postmedia",
            name="thumbnail",
            field=models.ImageField(
                blank=True,
                storage=yalls.core.storage.private_storage,
                upload_to=yalls.social.models.post_media_path,
            ),
        ),
        migrations.RunPython(move_files_to_private_storage, migrations.RunPython.noop),
    ]
