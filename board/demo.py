"""A believable demo ART, as the list of ops that builds it from an empty board.

Eight teams of an e-commerce train plan PI 2027.1: five two-week iterations and an IP
iteration, ~40 features and enablers, ~250 stories loading most team-iterations to 60–95 %
of capacity (and three over it), milestones, ~25 dependencies in every state — including
conflicts, one of which cascades through three hops to other teams' objectives — PI
objectives with business value, and risks in every ROAM state.

The hand-written structure (features, dependencies, objectives, risks) is the same for
every seed; the seed only varies people, days off and the story breakdown.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from board.capacity import member_capacity
from board.core import Op
from board.model import Iteration, Member

PI_START = datetime.date(2027, 1, 11)  # a Monday
ITERATIONS = 5
POINTS = (1, 2, 3, 5, 8)
POINT_WEIGHTS = (1, 2, 3, 4, 3)

# id, name, colour
TEAMS: tuple[tuple[str, str, str], ...] = (
    ("chk", "Checkout", "#e4572e"),
    ("pay", "Payments", "#17bebb"),
    ("cat", "Catalog", "#c9a227"),
    ("srch", "Search & Discovery", "#76b041"),
    ("mob", "Mobile Apps", "#2e4057"),
    ("idn", "Identity", "#8c4f9e"),
    ("plt", "Platform", "#4a6fa5"),
    ("dat", "Data & Insights", "#d17a22"),
)

# The team-iterations the teams knowingly overload (the board must show them at a glance).
OVERLOADED = {("pay", 3), ("mob", 4), ("chk", 3)}
# Developers and testers per team (besides PO and Scrum Master), dealt to the teams by the seed.
TEAM_SIZES = (3, 4, 4, 4, 5, 5, 5, 6)

# id, team, iteration (None: still in the funnel), enabler?, title, description, acceptance
FEATURES: tuple[tuple[str, str | None, int | None, bool, str, str, str], ...] = (
    # Checkout
    ("f-chk-guest", "chk", 1, False, "Guest checkout without an account",
     "Let first-time buyers pay without creating an account; offer sign-up on the confirmation page.",
     "A guest can buy with e-mail only; the order shows in 'my orders' after a later sign-up."),
    ("f-chk-address", "chk", 2, False, "Address autocomplete and validation",
     "Suggest addresses as the buyer types and validate postcodes against the carrier's list.",
     "Undeliverable-address returns drop below 0.5 % of orders in the pilot countries."),
    ("f-chk-oneclick", "chk", 3, False, "One-click checkout for returning customers",
     "Returning customers with a saved card and address buy from the product page in one click.",
     "A returning customer with a stored card completes an order in one click, p95 under 2 s."),
    ("f-chk-split", "chk", 4, False, "Split shipment selection",
     "Buyers choose to ship available items now and back-ordered ones later.",
     "Orders with mixed stock offer 'ship as available'; shipping cost is recalculated correctly."),
    ("f-chk-promo", "chk", 5, False, "Promo code stacking rules",
     "Marketing can define which promotions combine, and the basket explains why a code was refused.",
     "Stacking rules are configurable without a deploy; refused codes show a reason."),
    # Payments
    ("f-pay-tokens", "pay", 2, True, "Card vault tokenisation API",
     "A PCI-scoped vault that returns network tokens, so no other service ever sees a card number.",
     "Checkout and Mobile store and charge cards by token only; PAN never leaves the vault."),
    ("f-pay-applepay", "pay", 2, False, "Apple Pay and Google Pay",
     "Wallet buttons on cart and product pages, with merchant validation and payment sheet.",
     "Wallet payments succeed on Safari/iOS and Chrome/Android in all five markets."),
    ("f-pay-3ds2", "pay", 3, False, "3-D Secure 2 challenge flow (PSD2 SCA)",
     "Frictionless and challenge flows with exemptions for low-risk transactions.",
     "SCA-compliant for EU cards by the regulator's deadline; frictionless rate above 70 %."),
    ("f-pay-refunds", "pay", 4, False, "Self-service partial refunds",
     "Customer service refunds single items from the back office without finance tickets.",
     "Partial refund of any captured payment in under 1 minute; ledger entries reconcile."),
    ("f-pay-bnpl", "pay", 5, False, "Buy now, pay later with Klarna",
     "Offer instalments at checkout for baskets above 50 EUR in DE, SE and NL.",
     "Klarna is offered and settles in the three markets; declines fall back to card."),
    # Catalog
    ("f-cat-variants", "cat", 1, False, "Product variants (size and colour)",
     "One product page per style, with variants for size and colour instead of separate products.",
     "Fashion catalogue migrated; each variant has its own SKU, stock and images."),
    ("f-cat-pim", "cat", 2, True, "PIM import pipeline v2",
     "Replace the nightly CSV import with an incremental feed from the PIM.",
     "Product changes reach the shop within 15 minutes; failed rows are reported, not dropped."),
    ("f-cat-stock", "cat", 3, False, "Real-time stock levels on the product page",
     "Show per-warehouse stock and reserve items at checkout, fed by warehouse events.",
     "Stock shown is never more than 60 s old; overselling incidents drop to zero in the pilot."),
    ("f-cat-bundles", "cat", 4, False, "Product bundles",
     "Sell sets (camera + lens + bag) at a bundle price, with stock checked per component.",
     "Merchandisers create bundles in the back office; the basket prices them correctly."),
    ("f-cat-reviews", "cat", 5, False, "Verified-buyer reviews",
     "Only customers who bought the product may review it; reviews show a verified badge.",
     "Reviews require a delivered order of that product; moderation queue under 24 h."),
    # Search & Discovery
    ("f-srch-typeahead", "srch", 1, False, "Typeahead suggestions",
     "Suggest queries, categories and products as the shopper types.",
     "Suggestions appear within 100 ms at p95 for the 10,000 most frequent prefixes."),
    ("f-srch-facets", "srch", 2, False, "Faceted filters for variants",
     "Filter by size, colour and price on listing pages, using the new variant model.",
     "Facets show counts that match the results; filters combine with AND within a facet group."),
    ("f-srch-relevance", "srch", 3, False, "Relevance tuning with click signals",
     "Learn ranking boosts from clicks and add-to-cart events.",
     "Search conversion up 5 % in an A/B test of two weeks."),
    ("f-srch-vector", "srch", 4, True, "Semantic search (vector index)",
     "Embed product texts and serve nearest-neighbour queries for long-tail searches.",
     "Vector index serves 200 queries/s at p95 under 80 ms; falls back to keyword search."),
    ("f-srch-zero", "srch", 5, False, "Zero-results recovery",
     "When a query finds nothing, offer spelling fixes, broader categories and popular items.",
     "Zero-result sessions that end without a click fall by a third."),
    # Mobile Apps
    ("f-mob-push", "mob", 2, False, "Order-status push notifications",
     "Notify shipped, out-for-delivery and delivered, with deep links to the order.",
     "Pushes arrive within 2 minutes of the status change; users can opt out per type."),
    ("f-mob-wallet", "mob", 3, False, "Wallet payments in the app",
     "Native Apple Pay and Google Pay sheets in the iOS and Android apps.",
     "Wallet orders succeed on both apps in all markets; crash-free sessions stay above 99.5 %."),
    ("f-mob-oneclick", "mob", 4, False, "One-click checkout in the app",
     "The app uses the one-click checkout API with the customer's stored token and address.",
     "A returning app user buys from the product screen in one tap plus biometric confirm."),
    ("f-mob-biometric", "mob", 4, False, "Biometric login",
     "Face ID / fingerprint sign-in backed by passkeys.",
     "Users with a passkey sign in without a password; fallback to password still works."),
    ("f-mob-offline", "mob", 5, False, "Offline wishlist",
     "Browse and edit the wishlist offline; sync when back online.",
     "Edits made offline sync without loss or duplicates after reconnect."),
    # Identity
    ("f-idn-sso", "idn", 1, False, "Social login with Apple and Google",
     "Sign in with Apple and Google, linking to existing accounts by verified e-mail.",
     "Social sign-in works on web and apps; duplicate accounts are not created."),
    ("f-idn-consent", "idn", 2, False, "GDPR consent centre",
     "One place where customers see and change marketing and tracking consents.",
     "Every consent change is recorded with time and source and reaches all systems in 1 hour."),
    ("f-idn-passkeys", "idn", 3, False, "Passkeys (WebAuthn) sign-in",
     "Passwordless sign-in with platform authenticators.",
     "Passkey registration and sign-in pass the FIDO conformance suite."),
    ("f-idn-mfa", "idn", 4, False, "Step-up MFA for risky actions",
     "Ask for a second factor when a risky change is made (new address, new card).",
     "Account-takeover fraud cases drop by half against the PI 2026.4 baseline."),
    ("f-idn-tokens", "idn", 5, True, "OAuth token service migration",
     "Move token issuance off the legacy monolith to the new identity service.",
     "All clients receive tokens from the new service; the legacy endpoint is switched off."),
    # Platform
    ("f-plt-k8s", "plt", 1, True, "Kubernetes upgrade to 1.31",
     "Upgrade all clusters before end of support, with a GPU node pool for ML workloads.",
     "All production clusters on 1.31 with zero customer-facing downtime."),
    ("f-plt-flags", "plt", 1, True, "Feature flag service",
     "Self-service flags with percentage rollouts and kill switches for every team.",
     "Teams toggle flags without a deploy; flag changes are audited."),
    ("f-plt-observ", "plt", 3, True, "OpenTelemetry tracing across checkout",
     "End-to-end traces from the web and apps through checkout, payments and stock.",
     "95 % of checkout requests carry a trace id across all services."),
    ("f-plt-events", "plt", 4, True, "Order event bus (Kafka)",
     "A managed Kafka with schemas for order, stock and refund events.",
     "Producers and consumers use registered schemas; events are delivered at least once."),
    ("f-plt-dr", "plt", 5, True, "Multi-region failover drill",
     "Fail the shop over to the second region during business hours, on purpose.",
     "Failover completes in under 15 minutes with no lost orders."),
    # Data & Insights
    ("f-dat-funnel", "dat", 2, False, "Checkout funnel dashboard",
     "Step-by-step conversion of checkout, per market, device and payment method.",
     "Product managers see yesterday's funnel by 8:00 every day."),
    ("f-dat-fraud", "dat", 3, False, "Fraud scoring features",
     "Real-time risk score for payments and logins from device, velocity and history signals.",
     "Score served in under 50 ms at p95; chargeback rate below 0.3 %."),
    ("f-dat-gdpr", "dat", 3, True, "GDPR data deletion pipeline",
     "Delete a customer's personal data from every store within the legal deadline.",
     "Deletion requests complete across all 14 stores within 30 days, with an audit trail."),
    ("f-dat-reco", "dat", 4, False, "'Frequently bought together' recommendations",
     "Recommend complementary products on product and basket pages.",
     "Recommendation carousels lift average order value by 3 % in an A/B test."),
    ("f-dat-cdp", "dat", 5, False, "Customer data platform sync",
     "Stream customer events to the CDP for segmentation and click-stream analysis.",
     "Marketing builds segments on events no older than 10 minutes."),
    # Still in the funnel: not planned this PI
    ("f-loyalty", None, None, False, "Loyalty points at checkout",
     "Earn and burn loyalty points as a payment method.", "To be refined for PI 2027.2."),
    ("f-ar-preview", None, None, False, "AR product preview",
     "Place furniture in the room with the phone's camera.", "To be refined for PI 2027.2."),
)  # fmt: skip

# Stories named in dependencies: id, team, iteration, points, feature, title.
NAMED_STORIES: tuple[tuple[str, str, int, int, str, str], ...] = (
    ("s-cat-reserve", "cat", 3, 5, "f-cat-stock", "Stock reservation API for one-click checkout"),
    ("s-dat-score", "dat", 3, 5, "f-dat-fraud", "Fraud score endpoint for 3DS exemptions"),
    ("s-pay-tokens", "pay", 2, 8, "f-pay-tokens", "Token charge API for stored cards"),
    ("s-chk-oneclick-api", "chk", 3, 5, "f-chk-oneclick", "One-click order API for the apps"),
)

# id, need, requesting feature, provider team (or external party), kind, provider work.
# kind: committed / conflict (accepted, planned too late or not at all) / requested / done / external.
DEPENDENCIES: tuple[tuple[str, str, str, str, str, str | None], ...] = (
    # the cascade: Platform's bus is late → stock at risk → one-click at risk → app one-click at risk
    ("d-stock-events", "Stock-change events on the order event bus", "f-cat-stock", "plt", "conflict",
     "f-plt-events"),
    ("d-oneclick-reserve", "Stock reservation API", "f-chk-oneclick", "cat", "committed", "s-cat-reserve"),
    ("d-app-oneclick", "One-click order API for the apps", "f-mob-oneclick", "chk", "committed",
     "s-chk-oneclick-api"),
    # other conflicts
    ("d-funnel-traces", "Checkout trace ids in the event stream", "f-dat-funnel", "plt", "conflict",
     "f-plt-observ"),
    ("d-push-events", "Order-status change events", "f-mob-push", "plt", "conflict", None),
    ("d-clickstream", "Click-stream events in the data lake", "f-srch-relevance", "dat", "conflict",
     "f-dat-cdp"),
    # committed
    ("d-oneclick-tokens", "Card-on-file tokens for returning customers", "f-chk-oneclick", "pay", "committed",
     "s-pay-tokens"),
    ("d-app-wallet", "Merchant validation endpoint for wallet payments", "f-mob-wallet", "pay", "committed",
     "f-pay-applepay"),
    ("d-app-passkeys", "Passkey registration and assertion API", "f-mob-biometric", "idn", "committed",
     "f-idn-passkeys"),
    ("d-facets-variants", "Variant attributes in the product feed", "f-srch-facets", "cat", "committed",
     "f-cat-variants"),
    ("d-3ds-score", "Risk score for SCA exemptions", "f-pay-3ds2", "dat", "committed", "s-dat-score"),
    ("d-mfa-score", "Login risk signals", "f-idn-mfa", "dat", "committed", "f-dat-fraud"),
    ("d-refund-events", "Refund events on the bus", "f-pay-refunds", "plt", "committed", "f-plt-events"),
    ("d-reco-signals", "Click signals API", "f-dat-reco", "srch", "committed", "f-srch-relevance"),
    ("d-reviews-buyer", "Verified-buyer claim in the ID token", "f-cat-reviews", "idn", "committed",
     "f-idn-sso"),
    ("d-gdpr-consent", "Consent records API", "f-dat-gdpr", "idn", "committed", "f-idn-consent"),
    ("d-vector-gpu", "GPU node pool in the production cluster", "f-srch-vector", "plt", "committed",
     "f-plt-k8s"),
    ("d-promo-bundles", "Bundle pricing rules", "f-chk-promo", "cat", "committed", "f-cat-bundles"),
    ("d-reco-catalog", "Product-to-product relations in the PIM feed", "f-dat-reco", "cat", "committed",
     "f-cat-pim"),
    # external party
    ("d-klarna", "Merchant onboarding and production credentials", "f-pay-bnpl", "Klarna", "external", None),
    # done already
    ("d-guest-flag", "Feature flag for the guest checkout rollout", "f-chk-guest", "plt", "done",
     "f-plt-flags"),
    ("d-sso-ingress", "Ingress route for OAuth callbacks", "f-idn-sso", "plt", "done", "f-plt-k8s"),
    # requested, not answered yet
    ("d-offline-delta", "Catalogue delta-sync API", "f-mob-offline", "cat", "requested", None),
    ("d-cdp-ids", "Customer id mapping across web and apps", "f-dat-cdp", "idn", "requested", None),
    ("d-dr-psp", "PSP failover test window", "f-plt-dr", "pay", "requested", None),
    ("d-zero-export", "Export of zero-result queries", "f-srch-zero", "dat", "requested", None),
)  # fmt: skip

# id, team, committed?, planned BV (None: not scored yet), statement, linked features
OBJECTIVES: tuple[tuple[str, str, bool, int | None, str, tuple[str, ...]], ...] = (
    ("o-chk-1", "chk", True, 10, "Release one-click checkout to 100 % of returning web customers",
     ("f-chk-oneclick",)),
    ("o-chk-2", "chk", True, 7, "Reduce checkout abandonment from 68 % to under 60 %",
     ("f-chk-guest", "f-chk-address")),
    ("o-chk-3", "chk", False, 5, "Split shipments live in DE and AT", ("f-chk-split",)),
    ("o-chk-4", "chk", True, 4, "Improve checkout stability", ()),
    ("o-pay-1", "pay", True, 10, "Pass the PSD2 SCA audit for all EU card payments", ("f-pay-3ds2",)),
    ("o-pay-2", "pay", True, 8, "Wallet payments at 15 % of web orders", ("f-pay-applepay",)),
    ("o-pay-3", "pay", True, 6, "Partial refunds processed in under 1 minute", ("f-pay-refunds",)),
    ("o-pay-4", "pay", False, 5, "Klarna instalments launched in 3 markets", ("f-pay-bnpl",)),
    ("o-cat-1", "cat", True, 9, "Zero oversold orders in the stock pilot", ("f-cat-stock",)),
    ("o-cat-2", "cat", True, 7, "Fashion catalogue migrated to variants by iteration 2",
     ("f-cat-variants", "f-cat-pim")),
    ("o-cat-3", "cat", False, 4, "Verified reviews on 1,000 products", ("f-cat-reviews",)),
    ("o-srch-1", "srch", True, 8, "Search conversion up 5 % in an A/B test", ("f-srch-relevance",)),
    ("o-srch-2", "srch", True, 6, "Typeahead and facets released to all markets",
     ("f-srch-typeahead", "f-srch-facets")),
    ("o-srch-3", "srch", False, None, "Better search experience", ("f-srch-vector", "f-srch-zero")),
    ("o-mob-1", "mob", True, 9, "One-tap checkout live in both apps", ("f-mob-oneclick",)),
    ("o-mob-2", "mob", True, 7, "Wallet payments live in the iOS and Android apps", ("f-mob-wallet",)),
    ("o-mob-3", "mob", True, 5, "Order pushes delivered within 2 minutes", ("f-mob-push",)),
    ("o-mob-4", "mob", False, 3, "Biometric login for 30 % of app users", ("f-mob-biometric",)),
    ("o-idn-1", "idn", True, 8, "Passkeys certified and live on web", ("f-idn-passkeys",)),
    ("o-idn-2", "idn", True, 9, "Every consent change reaches all systems within 1 hour", ("f-idn-consent",)),
    ("o-idn-3", "idn", False, 6, "Account-takeover cases down from 40 to under 20 a month", ("f-idn-mfa",)),
    ("o-plt-1", "plt", True, 10, "All production clusters on Kubernetes 1.31 with zero downtime",
     ("f-plt-k8s",)),
    ("o-plt-2", "plt", True, 7, "Order event bus in production for 3 producer teams", ("f-plt-events",)),
    ("o-plt-3", "plt", True, None, "Modernise the platform", ("f-plt-observ",)),
    ("o-plt-4", "plt", False, 4, "Region failover drill completed in under 15 minutes", ("f-plt-dr",)),
    ("o-dat-1", "dat", True, 8, "Chargeback rate below 0.3 % with real-time fraud scores", ("f-dat-fraud",)),
    ("o-dat-2", "dat", True, 6, "GDPR deletions complete across all 14 stores within 30 days",
     ("f-dat-gdpr",)),
    ("o-dat-3", "dat", False, 5, "Average order value up 3 % from recommendations", ("f-dat-reco",)),
    ("o-dat-4", "dat", True, 4, "Daily funnel dashboard published by 8:00", ("f-dat-funnel",)),
)  # fmt: skip

# id, team (None: ART-wide), title, description, ROAM state, owner
RISKS: tuple[tuple[str, str | None, str, str, str, str], ...] = (
    ("r-psd2", "pay", "PSD2 deadline moves earlier",
     "The regulator may bring SCA enforcement forward by a month.", "owned", "Payments PO"),
    ("r-kafka", "plt", "Kafka cluster sizing unknown",
     "Event volumes for stock changes are unmeasured; the cluster may need a bigger tier.", "unroamed", ""),
    ("r-apple", "mob", "App Store review delays",
     "Wallet changes trigger a manual review that has taken up to 9 days.", "accepted", ""),
    ("r-klarna", "pay", "Klarna contract not signed",
     "Legal has not signed the Klarna agreement; no production credentials without it.", "owned",
     "Head of Legal"),
    ("r-pim", "cat", "PIM vendor upgrade in February",
     "The PIM vendor upgrades its API during iteration 2.", "mitigated", ""),
    ("r-gpu", "srch", "GPU quota in the cloud region",
     "The GPU quota request is pending; without it the vector index runs on CPU.", "resolved", ""),
    ("r-key-person", "idn", "Only one engineer knows WebAuthn",
     "Passkeys depend on one person who is on leave in iteration 3.", "mitigated", ""),
    ("r-black-week", None, "Spring sale code freeze",
     "Marketing plans a spring sale with a code freeze in iteration 4.", "accepted", ""),
    ("r-tracing", "plt", "Tracing overhead on checkout latency",
     "Sampling at 100 % may add latency to checkout.", "resolved", ""),
    ("r-stock-late", "cat", "Stock events arrive an iteration late",
     "Real-time stock needs the event bus, planned an iteration after we need it.", "unroamed", ""),
    ("r-data-access", "dat", "Access to production data for fraud model",
     "Privacy review of the fraud features is not scheduled yet.", "owned", "Data Protection Officer"),
    ("r-test-env", None, "Shared staging environment is unstable",
     "Staging went down 6 times last PI; integration testing may slip.", "unroamed", ""),
)  # fmt: skip

# title, iteration, day offset in that iteration, kind
MILESTONES: tuple[tuple[str, int, int, str], ...] = (
    ("App release 27.1 in the stores", 2, 9, "release"),
    ("PSD2 SCA enforcement", 3, 11, "external"),
    ("Spring sale (code freeze)", 4, 4, "event"),
    ("Web release 27.2", 4, 11, "release"),
    ("PI system demo", 6, 2, "demo"),
)

FIRST_NAMES = (
    "Aisha", "Ben", "Chiara", "Daan", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena",
    "Mateo", "Nora", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Ula", "Viktor", "Wen", "Ximena",
    "Yusuf", "Zoe", "Amir", "Björn", "Carla", "Dmitri", "Emma", "Farah", "Gustav", "Hana", "Ivan", "Jule",
    "Karim", "Lucia", "Marek", "Nadia", "Omar", "Paula", "Rahul", "Sofia", "Tomás", "Vera", "Yara", "Leon",
)  # fmt: skip
LAST_NAMES = (
    "Andersson", "Bauer", "Costa", "de Vries", "Eriksen", "Fischer", "García", "Huber", "Ito", "Jansen",
    "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Schmidt", "Tanaka", "Umarov",
    "Varga", "Weber", "Yilmaz", "Zimmermann", "Nguyen", "Silva", "Müller", "Horvat", "Dubois", "Kaya",
)  # fmt: skip

STORY_STEMS = (
    "API contract",
    "backend service",
    "UI screens",
    "analytics events",
    "feature flag and rollout",
    "end-to-end tests",
    "accessibility pass",
    "error handling",
    "performance tuning",
    "runbook and alerts",
    "data migration",
    "spike",
    "security review fixes",
    "localisation",
    "contract tests with consumers",
)


@dataclass
class _Builder:
    """Collects ops and tracks each item's version, so later ops name the right base_version."""

    ops: list[Op] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)

    def create(self, op_type: str, item_id: str, **args: Any) -> None:
        self.ops.append(Op(op_type, args={"id": item_id, **args}))
        self.versions[item_id] = 1

    def change(self, op_type: str, item_id: str, **args: Any) -> None:
        self.ops.append(Op(op_type, target=item_id, base_version=self.versions[item_id], args=args))
        self.versions[item_id] += 1


def _iteration_dates(number: int) -> tuple[datetime.date, datetime.date]:
    start = PI_START + datetime.timedelta(weeks=2 * (number - 1))
    return start, start + datetime.timedelta(days=11)  # Monday to the Friday of the second week


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in used:
            used.add(name)
            return name


def demo_ops(seed: int = 7) -> list[Op]:
    """The ops, in order, that build the demo ART on an empty board (apply them as the RTE)."""
    rng = random.Random(seed)
    b = _Builder()
    pi_end = _iteration_dates(ITERATIONS + 1)[1]
    b.ops.append(
        Op(
            "board.create",
            args={
                "name": "Aurora Commerce ART",
                "pi_name": "PI 2027.1",
                "start": PI_START.isoformat(),
                "end": pi_end.isoformat(),
            },
        )
    )

    iterations: dict[int, Iteration] = {}
    for number in range(1, ITERATIONS + 2):
        is_ip = number == ITERATIONS + 1
        start, end = _iteration_dates(number)
        iteration_id = "it-ip" if is_ip else f"it-{number}"
        name = "IP" if is_ip else f"Iteration {number}"
        b.create(
            "iteration.create",
            iteration_id,
            number=number,
            name=name,
            start=start.isoformat(),
            end=end.isoformat(),
            is_ip=is_ip,
            weeks=2,
        )
        iterations[number] = Iteration(id=iteration_id, number=number, is_ip=is_ip, weeks=2)

    def it_id(number: int) -> str:
        return iterations[number].id

    for n, (title, number, offset, kind) in enumerate(MILESTONES, 1):
        day = _iteration_dates(number)[0] + datetime.timedelta(days=offset)
        b.create(
            "milestone.create",
            f"m-{n}",
            title=title,
            date=day.isoformat(),
            iteration_id=it_id(number),
            milestone_kind=kind,
        )

    # Teams and their people. POs and Scrum Masters carry no story points (normalized estimation).
    capacity: dict[tuple[str, int], float] = {}
    used: set[str] = set()
    sizes = rng.sample(TEAM_SIZES, len(TEAM_SIZES))
    for (team_id, team_name, colour), size in zip(TEAMS, sizes, strict=True):
        b.create("team.create", team_id, name=team_name, color=colour)
        people = [("product_owner", 0.0), ("scrum_master", 0.0)]
        for n in range(size):
            role = "tester" if n % 3 == 2 else "developer"
            fte = rng.choices((1.0, 0.8, 0.5), weights=(7, 2, 1))[0]
            people.append((role, fte))
        for n, (role, fte) in enumerate(people):
            days_off: dict[str, int] = {}
            if fte > 0:
                for number in range(1, ITERATIONS + 1):
                    if rng.random() < 0.15:
                        days_off[it_id(number)] = rng.choice((1, 1, 2, 3, 5))
            member_id = f"p-{team_id}-{n + 1}"
            b.create(
                "member.create",
                member_id,
                name=_name(rng, used),
                team_id=team_id,
                role=role,
                fte=fte,
                days_off=days_off,
            )
            person = Member(id=member_id, fte=fte, days_off=days_off)
            for number in range(1, ITERATIONS + 1):
                key = (team_id, number)
                capacity[key] = capacity.get(key, 0.0) + member_capacity(person, iterations[number])

    # Features and enablers, ranked by Product Management in a WSJF-like order.
    for rank, (fid, f_team, f_number, enabler, title, description, acceptance) in enumerate(FEATURES, 1):
        b.create(
            "feature.create",
            fid,
            title=title,
            description=description,
            acceptance=acceptance,
            feature_kind="enabler" if enabler else "feature",
            rank=rank * 10,
            team_id=f_team,
            iteration_id=it_id(f_number) if f_number else None,
        )

    # Stories: the named ones first, then each team-iteration is filled towards its target load.
    load: dict[tuple[str, int], int] = {}
    for sid, team_id, number, points, fid, title in NAMED_STORIES:
        b.create(
            "story.create",
            sid,
            title=title,
            team_id=team_id,
            iteration_id=it_id(number),
            feature_id=fid,
            points=points,
        )
        load[(team_id, number)] = load.get((team_id, number), 0) + points

    for team_id, _, _ in TEAMS:
        features = [(n, fid) for fid, t, n, *_ in FEATURES if t == team_id and n is not None]
        count = 0
        for number in range(1, ITERATIONS + 1):
            key = (team_id, number)
            cap = capacity[key]
            target = rng.uniform(1.06, 1.2) if key in OVERLOADED else rng.uniform(0.64, 0.9)
            goal = cap * target
            while True:
                current = load.get(key, 0)
                fitting = [p for p in POINTS if current + p <= goal]
                if not fitting:
                    break
                weights = [POINT_WEIGHTS[POINTS.index(p)] for p in fitting]
                points = rng.choices(fitting, weights=weights)[0]
                pending = sorted(n for n, _ in features if n >= number)
                story_feature: str | None = None
                if pending:
                    horizon = pending[1] if len(pending) > 1 and rng.random() < 0.25 else pending[0]
                    story_feature = rng.choice([f for n, f in features if n == horizon])
                    short = next(t for f, _, _, _, t, *_ in FEATURES if f == story_feature)
                    title = f"{short}: {rng.choice(STORY_STEMS)}"
                else:
                    title = f"Tech debt: {rng.choice(STORY_STEMS)}"
                count += 1
                b.create(
                    "story.create",
                    f"s-{team_id}-{count:03d}",
                    title=title,
                    team_id=team_id,
                    iteration_id=it_id(number),
                    feature_id=story_feature,
                    points=points,
                )
                load[key] = current + points

    # Dependencies: requested, then answered by the provider (or not).
    feature_team = {fid: team_id for fid, team_id, *_ in FEATURES}
    named_story = {sid: (team_id, number) for sid, team_id, number, *_ in NAMED_STORIES}
    for did, need, requesting, provider, kind, work in DEPENDENCIES:
        external = kind == "external"
        b.create(
            "dependency.create",
            did,
            need=need,
            requesting_team_id=feature_team[requesting],
            requesting_feature_id=requesting,
            provider_team_id=None if external else provider,
            external_party=provider if external else "",
        )
        if kind == "requested":
            continue
        answer: dict[str, Any] = {}
        if external:
            answer["promised_iteration_id"] = it_id(ITERATIONS)
        elif work in named_story:
            answer["provider_story_id"] = work
        elif work is not None:
            answer["provider_feature_id"] = work
        b.change("dependency.accept", did, **answer)
        if kind == "done":
            b.change("dependency.done", did)

    # PI objectives, then the Business Owners' business value.
    for oid, o_team, committed, _, statement, linked in OBJECTIVES:
        b.create(
            "objective.create",
            oid,
            team_id=o_team,
            statement=statement,
            committed=committed,
            feature_ids=list(linked),
        )
    for oid, _, _, bv, _, _ in OBJECTIVES:
        if bv is not None:
            b.change("objective.set_bv", oid, value=bv)

    # Risks, then the ROAM session.
    for rid, r_team, title, description, _, _ in RISKS:
        b.create("risk.create", rid, title=title, description=description, team_id=r_team)
    for rid, _, _, _, roam, owner in RISKS:
        if roam != "unroamed":
            b.change("risk.roam", rid, roam=roam, **({"owner": owner} if owner else {}))
    return b.ops
