"""{% member_identity member %}: a member's verified links and badges for the profile header."""

from django import template

from yalls.accounts import linked_accounts as la

register = template.Library()


@register.inclusion_tag("accounts/_identity_block.html")
def member_identity(member):
    return {
        "links": [
            {"link": link, "label": la.PROVIDERS[link.provider].label}
            for link in la.verified_links(member)
        ],
        "badges": la.badges_of(member),
        "member": member,
    }
