"""Controlled vocabularies of the register record (register-record.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ToolStatus(models.TextChoices):
    PROJECT = "project", _("Project")
    PILOT = "pilot", _("Pilot")
    IN_SERVICE = "in_service", _("In service")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Lifecycle: project → pilot → in service → suspended → withdrawn; a suspended tool may resume, a pilot may
# be abandoned. Anything else is refused with a message.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    ToolStatus.PROJECT: {ToolStatus.PILOT, ToolStatus.IN_SERVICE, ToolStatus.WITHDRAWN},
    ToolStatus.PILOT: {ToolStatus.IN_SERVICE, ToolStatus.SUSPENDED, ToolStatus.WITHDRAWN, ToolStatus.PROJECT},
    ToolStatus.IN_SERVICE: {ToolStatus.SUSPENDED, ToolStatus.WITHDRAWN},
    ToolStatus.SUSPENDED: {ToolStatus.IN_SERVICE, ToolStatus.PILOT, ToolStatus.WITHDRAWN},
    ToolStatus.WITHDRAWN: {ToolStatus.PROJECT},
}

# Statuses in which the tool is used at work and so shown on the staff transparency page.
IN_USE_STATUSES = (ToolStatus.PILOT, ToolStatus.IN_SERVICE, ToolStatus.SUSPENDED)


class YesNoUnknown(models.TextChoices):
    UNKNOWN = "unknown", _("Don't know")
    YES = "yes", _("Yes")
    NO = "no", _("No")


class DomainCategory(models.TextChoices):
    RECRUITMENT = "recruitment", _("Recruitment")
    PERFORMANCE_EVALUATION = "performance_evaluation", _("Performance evaluation")
    TASK_ALLOCATION = "task_allocation", _("Task allocation")
    ACTIVITY_MONITORING = "activity_monitoring", _("Activity monitoring")
    SCHEDULING = "scheduling", _("Scheduling")
    CHATBOT = "chatbot", _("Customer / citizen chatbot")
    GENERATIVE_ASSISTANT = "generative_assistant", _("Generative assistant")
    DOCUMENT_PROCESSING = "document_processing", _("Document processing")
    ANOMALY_DETECTION = "anomaly_detection", _("Defect / anomaly detection")
    PREDICTIVE_MAINTENANCE = "predictive_maintenance", _("Predictive maintenance")
    AUTONOMOUS_MACHINE = "autonomous_machine", _("Autonomous machine")
    VISION = "vision", _("Vision")
    LANGUAGE = "language", _("Language")
    SECURITY = "security", _("Security")
    OTHER = "other", _("Other")


class Technique(models.TextChoices):
    MACHINE_LEARNING = "machine_learning", _("Machine learning")
    DEEP_LEARNING = "deep_learning", _("Deep learning")
    GENERATIVE = "generative", _("Generative model")
    RULES = "rules", _("Rules / expert system")
    STATISTICS = "statistics", _("Statistics")
    VISION = "vision", _("Computer vision")
    SPEECH = "speech", _("Speech")


class AffectedPublic(models.TextChoices):
    EMPLOYEES = "employees", _("Employees")
    MANAGERS = "managers", _("Managers")
    CANDIDATES = "candidates", _("Candidates")
    AGENTS = "agents", _("Public agents")
    CUSTOMERS = "customers", _("Customers / users of the service")
    PUBLIC = "public", _("The general public")


class RiskLevel(models.IntegerChoices):
    """The CNIL PIA scale."""

    NEGLIGIBLE = 1, _("Negligible")
    LIMITED = 2, _("Limited")
    SIGNIFICANT = 3, _("Significant")
    MAXIMAL = 4, _("Maximal")


class SecurityMeasureType(models.TextChoices):
    INTELLECTUAL_PROPERTY = "intellectual_property", _("Protect intellectual property")
    RELIABILITY = "reliability", _("Reliability and correct operation")
    CYBER = "cyber", _("Resistance to cyber-attacks")
    OTHER = "other", _("Other")


class DpiaStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Don't know")
    NOT_REQUIRED = "not_required", _("Not required")
    TO_DO = "to_do", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class DecisionRole(models.TextChoices):
    NONE = "none", _("No decision about persons")
    ADVISORY = "advisory", _("Advisory (a person decides)")
    DECISIVE = "decisive", _("Decisive (a person validates)")
    SOLELY_AUTOMATED = "solely_automated", _("Solely automated")


class OrganisationRole(models.TextChoices):
    """AI Act role of the organisation (art. 3(4) and art. 25(1))."""

    DEPLOYER = "deployer", _("Deployer")
    PROVIDER_OWN_NAME = "provider_own_name", _("Provider: puts its name or trademark on it")
    PROVIDER_SUBSTANTIAL_MODIFICATION = (
        "provider_substantial_modification",
        _("Provider: substantially modified it"),
    )
    PROVIDER_REPURPOSED = "provider_repurposed", _("Provider: changed its intended purpose")
    PROVIDER_IN_HOUSE = "provider_in_house", _("Provider: developed in-house")


class Annex3Point(models.TextChoices):
    UNKNOWN = "unknown", _("Don't know")
    NONE = "none", _("None")
    BIOMETRIC_CATEGORISATION = "1b", _("1(b) Biometric categorisation")
    EMOTION_RECOGNITION = "1c", _("1(c) Emotion recognition")
    CRITICAL_INFRASTRUCTURE = "2", _("2 Critical infrastructure")
    RECRUITMENT = "4a", _("4(a) Recruitment or selection")
    WORK_RELATIONSHIPS = "4b", _("4(b) Work-related decisions, task allocation, monitoring")
    ESSENTIAL_SERVICES_CREDIT = "5b", _("5(b) Creditworthiness")
    ESSENTIAL_SERVICES_INSURANCE = "5c", _("5(c) Life and health insurance pricing")
    OTHER = "other", _("Another point of Annex III")


class AttachmentKind(models.TextChoices):
    INSTRUCTIONS = "instructions", _("Vendor instructions for use")
    CONTRACT = "contract", _("Contract / procurement document")
    DPIA = "dpia", _("Data protection impact assessment")
    STUDY = "study", _("Study / evaluation")
    RIGHTS_EVIDENCE = "rights_evidence", _("Fundamental-rights evidence")
    CODE_OF_CONDUCT = "code_of_conduct", _("Code of good conduct")
    TRAINING = "training", _("Training material")
    OTHER = "other", _("Other")
