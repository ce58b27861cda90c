from __future__ import annotations

import datetime as dt

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnership import services
from partnership.demo import standard_agreement
from partnership.models import Agency, AgencyKind, ClearanceLevel, DataSharingAgreement, LawfulBasis, Role, User


def clearance(rank: int) -> ClearanceLevel:
    services.ensure_default_clearance_levels()
    return ClearanceLevel.objects.get(rank=rank)


class AgencyFactory(factory.django.DjangoModelFactory):
    """An agency with a current data-sharing agreement; ``agreement=False`` for one without."""

    class Meta:
        model = Agency
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.EDUCATION
    screens_referrals = False
    is_active = True

    @classmethod
    def _create(cls, model_class: type[Agency], *args, **kwargs) -> Agency:  # type: ignore[override]
        return services.create_agency(**kwargs)

    @factory.post_generation
    def agreement(obj: Agency, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            services.record_data_sharing_agreement(agency=obj, values=standard_agreement(obj))


def record_agreement(
    agency: Agency, reference: str, *, signed_on: dt.date | None, review_due: dt.date
) -> DataSharingAgreement:
    """An agreement of ``agency`` on the public-task basis, recorded by the system."""
    values = {"reference": reference, "signed_on": signed_on, "review_due": review_due}
    values["lawful_bases"] = [LawfulBasis.PUBLIC_TASK]
    return services.record_data_sharing_agreement(agency=agency, values=values)


class PoliceAgencyFactory(AgencyFactory):
    name = factory.Sequence(lambda n: f"Police force {n}")
    kind = AgencyKind.POLICE
    screens_referrals = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.uk")
    agency = factory.SubFactory(AgencyFactory)
    clearance = factory.LazyFunction(lambda: clearance(1))
    roles = factory.LazyFunction(lambda: [Role.PRACTITIONER])
    password = factory.django.Password("correct horse battery staple")


class AdminUserFactory(UserFactory):
    agency = None
    roles = factory.LazyFunction(lambda: [Role.PARTNERSHIP_ADMIN])


class AuditorUserFactory(UserFactory):
    agency = None
    roles = factory.LazyFunction(lambda: [Role.AUDITOR])


PASSWORD = "correct horse battery staple"


def enrol_totp(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)
