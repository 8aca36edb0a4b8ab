"""{% member_identity member %}: a member's verified links and badges for the profile header."""

from django import template

from yalls.accounts.linked_accounts import badges, providers, selectors

register = template.Library()


@register.inclusion_tag("accounts/_identity_block.html")
def member_identity(member):
    return {
        "links": [
            {"link": link, "label": providers.PROVIDERS[link.provider].label}
            for link in selectors.verified_links(member)
        ],
        "badges": badges.badges_of(member),
        "member": member,
    }
