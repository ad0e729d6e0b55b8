"""FOCUS 1.2 service categories of products (issue #17, docs/catalog-language.md).

A product's category is what its catalog entry says (``serviceCategory``) or,
by default, what its resource type is: keywords of the resource type id
rather than a field of the resource-type descriptor, because descriptors are
plain records that catalogs and the built-in schemas write out in full, and a
new field would break every one of them. A resource type no keyword fits is
``Other`` until its products say better. FOCUS export takes both the category
and a subcategory from here.
"""

from __future__ import annotations

from rating.model import Product

# FOCUS 1.2 ServiceCategory, the allowed values in specification order.
SERVICE_CATEGORIES = (
    "AI and Machine Learning",
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Multicloud",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other",
)

# (ServiceCategory, ServiceSubcategory) by keywords in the resource type id, first match wins.
_SERVICE_BY_KEYWORD = (
    (("service-instance", "service_instance"), ("Other", "Other (Other)")),
    (
        ("neutron", "network", "floating-ip", "load-balancer", "router"),
        ("Networking", "Other (Networking)"),
    ),
    (("nova.server", "server", "virtual-machine", "vm"), ("Compute", "Virtual Machines")),
    (("pod", "cloudfoundry.app", "container"), ("Compute", "Containers")),
    (("volume", "persistent-volume-claim", "pvc", "disk"), ("Storage", "Block Storage")),
    (("snapshot", "backup"), ("Storage", "Backup Storage")),
    (("glance", "image", "bucket", "object"), ("Storage", "Object Storage")),
    (("database", "postgres", "mysql", "sql"), ("Databases", "Other (Databases)")),
    (
        ("tenant",),
        ("Management and Governance", "Other (Management and Governance)"),
    ),
)
_OTHER_SERVICE = ("Other", "Other (Other)")


def service_of(resource_type: str | None) -> tuple[str, str]:
    """(ServiceCategory, ServiceSubcategory) guessed from a resource type id (``Other``)."""
    lowered = (resource_type or "").lower()
    for keywords, service in _SERVICE_BY_KEYWORD:
        if any(keyword in lowered for keyword in keywords):
            return service
    return _OTHER_SERVICE


def subcategory(category: str, resource_type: str | None) -> str:
    """The ServiceSubcategory under ``category``: the resource type's guess when it is of
    that category, else the category's own ``Other (…)`` (FOCUS has one for each)."""
    guessed, sub = service_of(resource_type)
    return sub if guessed == category else f"Other ({category})"


def service_category(product: Product) -> str:
    """The product's FOCUS ServiceCategory: its own, else its resource type's."""
    return product.service_category or service_of(product.resource_type)[0]
