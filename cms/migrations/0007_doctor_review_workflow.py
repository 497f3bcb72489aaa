"""The doctors' group and the 医学内容审核 workflow (one MedicalReviewTask for the group),
assigned to the HomePage so every content page below it — hubs, articles, videos, patient
stories, doctors, landing pages — goes through a doctor's review before publication."""

from django.db import migrations

DOCTOR_GROUP = "医生审核"
WORKFLOW_NAME = "医学内容审核"
TASK_NAME = "医生审核"


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    MedicalReviewTask = apps.get_model("cms", "MedicalReviewTask")
    HomePage = apps.get_model("cms", "HomePage")

    doctors, _ = Group.objects.get_or_create(name=DOCTOR_GROUP)
    # Doctors only need to reach the admin; GroupApprovalTask opens the editor to them for
    # pages waiting on their task. They get no add/change/publish page permissions.
    admin_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    access, _ = Permission.objects.get_or_create(
        content_type=admin_type, codename="access_admin", defaults={"name": "Can access Wagtail admin"}
    )
    doctors.permissions.add(access)

    task_type, _ = ContentType.objects.get_or_create(app_label="cms", model="medicalreviewtask")
    task = MedicalReviewTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = MedicalReviewTask.objects.create(name=TASK_NAME, content_type=task_type, active=True)
    task.groups.add(doctors)

    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    home = HomePage.objects.first()
    if home is not None:
        WorkflowPage.objects.get_or_create(page_id=home.pk, defaults={"workflow": workflow})


def remove(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WORKFLOW_NAME).delete()
    apps.get_model("cms", "MedicalReviewTask").objects.filter(name=TASK_NAME).delete()
    apps.get_model("auth", "Group").objects.filter(name=DOCTOR_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0006_medical_review_task"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create, remove)]
