from cms.models.ad_review import AdReviewCertificate
from cms.models.baidu import BaiduPush
from cms.models.base import BasePage, SeoMixin
from cms.models.drafts import ChannelDraft
from cms.models.pages import (
    ArticlePage,
    ArticlePageTag,
    DoctorIndexPage,
    DoctorPage,
    HomePage,
    PatientStoryPage,
    SpecialtyPage,
    VideoPage,
)
from cms.workflows import MedicalReviewTask

__all__ = [
    "AdReviewCertificate",
    "BaiduPush",
    "ArticlePage",
    "ArticlePageTag",
    "BasePage",
    "ChannelDraft",
    "DoctorIndexPage",
    "DoctorPage",
    "HomePage",
    "MedicalReviewTask",
    "PatientStoryPage",
    "SeoMixin",
    "SpecialtyPage",
    "VideoPage",
]
