//! The fields of each document kind: the envelope every kind shares, then each kind's fields,
//! records and lists. The starting content of a new document is in `templates.rs`.

use super::{DocKind, Field, FieldType as T};

const fn f(name: &'static str, ty: T, label: &'static str) -> Field {
    Field { name, ty, label }
}

/// Envelope fields shared by every kind. `kind`, `schema`, `space` and `lang` are set at
/// creation. `lang` is the ISO 639-1 code of the language the document was created in (its
/// template's language, the language it prints in); a document without it (created before the
/// field existed) reads as English. Nodes that predate the field ignore it: views and edits are
/// guided by the schema, so a root key the schema lacks is never read.
macro_rules! envelope {
    () => {
        [
            f("kind", T::ReadOnly, "Kind"),
            f("schema", T::ReadOnly, "Schema version"),
            f("space", T::ReadOnly, "Space"),
            f("lang", T::ReadOnly, "Language"),
            f("title", T::Text, "Title"),
        ]
    };
}

const CHARTER: &[Field] = &{
    let e = envelope!();
    [
        e[0],
        e[1],
        e[2],
        e[3],
        e[4],
        f(
            "agreement_type",
            T::Enum(&[
                "twinning-charter",
                "twinning-oath",
                "friendship-agreement",
                "cooperation-agreement",
                "mou",
            ]),
            "Type of agreement",
        ),
        f(
            "status",
            T::Enum(&["draft", "negotiated", "approved", "signed", "in-force", "renewed", "terminated"]),
            "Status",
        ),
        f("since", T::Date, "Partnership since"),
        f("languages", T::Str, "Authentic languages"),
        f("equally_authentic", T::Bool, "Language versions equally authentic"),
        f("preamble", T::Text, "Preamble"),
        f("history", T::Text, "History of the partnership"),
        f(
            "partners",
            T::List(&[
                f("town", T::Str, "Town"),
                f("country", T::Country, "Country"),
                f("since", T::Date, "Since"),
                f("committee", T::Str, "Twinning committee"),
            ]),
            "Partner towns",
        ),
        f("clauses", T::List(&[f("heading", T::Str, "Heading"), f("text", T::Text, "Text")]), "Clauses"),
        f(
            "council_decisions",
            T::List(&[
                f("town", T::Str, "Town"),
                f("reference", T::Str, "Decision reference"),
                f("date", T::Date, "Date"),
            ]),
            "Council decisions",
        ),
        f(
            "signatories",
            T::List(&[
                f("town", T::Str, "Town"),
                f("role", T::Str, "Role"),
                f("name", T::Str, "Name"),
                f("date", T::Date, "Date"),
                f("place", T::Str, "Place"),
            ]),
            "Signatories",
        ),
        f("duration", T::Text, "Duration, renewal and termination"),
    ]
};

const PARTICIPANTS: &[Field] = &[
    f("town", T::Str, "Sending town"),
    f("country", T::Country, "Country"),
    f("category", T::Enum(&["local", "invited", "guest"]), "Category"),
    f("youth", T::Int, "Youth"),
    f("adults", T::Int, "Adults"),
    f("female", T::Int, "Female"),
    f("male", T::Int, "Male"),
    f("undisclosed", T::Int, "Other/undisclosed"),
    f("fewer_opportunities", T::Int, "Fewer opportunities"),
];

const BUDGET: &[Field] = &[
    f("lump_sum_requested", T::Money, "Lump sum requested"),
    f(
        "lines",
        T::List(&[
            f("wp", T::Str, "WP"),
            f("partner", T::Str, "Partner"),
            f(
                "category",
                T::Enum(&[
                    "travel",
                    "accommodation",
                    "subsistence",
                    "local-transport",
                    "venue",
                    "interpretation",
                    "materials",
                    "communication",
                    "staff",
                    "other",
                ]),
                "Category",
            ),
            f("description", T::Str, "Description"),
            f("amount", T::CorrectableMoney, "Amount"),
            f(
                "funding_source",
                T::Enum(&[
                    "eu-lump-sum",
                    "municipal",
                    "committee",
                    "participants",
                    "regional-grant",
                    "youth-office",
                    "in-kind",
                    "other",
                ]),
                "Funding source",
            ),
        ]),
        "Budget lines",
    ),
];

const PLAN: &[Field] = &{
    let e = envelope!();
    [
        e[0],
        e[1],
        e[2],
        e[3],
        e[4],
        f("acronym", T::Str, "Acronym"),
        f("funding_profile", T::Str, "Funding call"),
        f(
            "status",
            T::Enum(&[
                "idea",
                "drafting",
                "internal-approval",
                "submitted",
                "under-evaluation",
                "awarded",
                "reserve",
                "rejected",
                "implementation",
                "reporting",
                "closed",
            ]),
            "Status",
        ),
        f("start", T::Date, "Start"),
        f("end", T::Date, "End"),
        f("working_language", T::Str, "Working language"),
        f("summary", T::Text, "Summary"),
        f("context", T::Text, "Context and needs"),
        f("european_dimension", T::Text, "European dimension"),
        f("methodology", T::Text, "Methodology"),
        f("sustainability", T::Text, "Sustainability and follow-up"),
        f(
            "partners",
            T::List(&[
                f("town", T::Str, "Town"),
                f("country", T::Country, "Country"),
                f("role", T::Enum(&["coordinator", "beneficiary", "partner", "associated", "guest"]), "Role"),
                f("pic", T::Str, "PIC"),
                f("contact", T::Str, "Contact"),
            ]),
            "Partners",
        ),
        f(
            "objectives",
            T::List(&[f("type", T::Enum(&["general", "specific"]), "Type"), f("text", T::Text, "Objective")]),
            "Objectives",
        ),
        f(
            "work_packages",
            T::List(&[
                f("number", T::Str, "WP"),
                f("title", T::Str, "Title"),
                f("lead", T::Str, "Lead partner"),
                f("start_month", T::Int, "Start month"),
                f("end_month", T::Int, "End month"),
                f("lump_sum", T::Money, "Lump-sum share"),
                f("description", T::Text, "Description"),
            ]),
            "Work packages",
        ),
        f(
            "events",
            T::List(&[
                f("code", T::Str, "Id"),
                f("wp", T::Str, "WP"),
                f(
                    "type",
                    T::Enum(&[
                        "workshop",
                        "seminar",
                        "conference",
                        "training",
                        "expert-meeting",
                        "webinar",
                        "awareness-raising",
                        "cultural-event",
                        "study-visit",
                        "youth-exchange",
                        "debate",
                        "coordination-meeting",
                        "preparatory-visit",
                        "ceremony",
                        "other",
                    ]),
                    "Type",
                ),
                f("title", T::Str, "Title"),
                f("host", T::Str, "Host town"),
                f("venue", T::Str, "Venue"),
                f("start", T::Date, "Start"),
                f("end", T::Date, "End"),
                f("main_event", T::Bool, "Main event"),
                f("description", T::Text, "Description"),
                f("participants", T::List(PARTICIPANTS), "Planned participants"),
            ]),
            "Events",
        ),
        f(
            "milestones",
            T::List(&[
                f("number", T::Str, "No."),
                f("title", T::Str, "Title"),
                f("wp", T::Str, "WP"),
                f("due", T::Date, "Due"),
                f("achieved", T::Date, "Achieved"),
                f("verification", T::Text, "Means of verification"),
            ]),
            "Milestones",
        ),
        f("budget", T::Record(BUDGET), "Budget (EUR)"),
        f(
            "indicators",
            T::List(&[
                f("name", T::Str, "Indicator"),
                f("level", T::Enum(&["output", "outcome"]), "Level"),
                f("unit", T::Str, "Unit"),
                f("baseline", T::Number, "Baseline"),
                f("target", T::Number, "Target"),
                f("actual", T::Number, "Actual"),
                f("source", T::Text, "Source of verification"),
            ]),
            "Indicators",
        ),
    ]
};

const MINUTES: &[Field] = &{
    let e = envelope!();
    [
        e[0],
        e[1],
        e[2],
        e[3],
        e[4],
        f(
            "meeting_type",
            T::Enum(&[
                "kick-off",
                "steering-group",
                "preparatory-visit",
                "evaluation",
                "committee",
                "agm",
                "other",
            ]),
            "Meeting type",
        ),
        f("status", T::Enum(&["draft", "circulated", "approved", "archived"]), "Status"),
        f("date", T::Date, "Date"),
        f("time", T::Str, "Time and time zone"),
        f("location", T::Str, "Location or link"),
        f("languages", T::Str, "Languages"),
        f(
            "attendees",
            T::List(&[
                f("name", T::Str, "Name"),
                f("town", T::Str, "Town"),
                f("role", T::Str, "Role"),
                f("attendance", T::Enum(&["present", "apologies", "absent", "guest"]), "Attendance"),
            ]),
            "Attendees",
        ),
        f(
            "agenda",
            T::List(&[
                f("number", T::Str, "No."),
                f("title", T::Str, "Item"),
                f("presenter", T::Str, "Presenter"),
                f("notes", T::Text, "Notes"),
            ]),
            "Agenda",
        ),
        f(
            "decisions",
            T::List(&[f("text", T::Text, "Decision"), f("agreed_by", T::Str, "Agreed by")]),
            "Decisions",
        ),
        f(
            "action_items",
            T::List(&[
                f("description", T::Text, "Action"),
                f("owner", T::Str, "Owner"),
                f("owner_town", T::Str, "Town"),
                f("due", T::Date, "Due"),
                f("status", T::Enum(&["open", "in-progress", "done", "cancelled"]), "Status"),
            ]),
            "Action items",
        ),
        f("next_meeting", T::Date, "Next meeting"),
    ]
};

const CONTACTS: &[Field] = &{
    let e = envelope!();
    [
        e[0],
        e[1],
        e[2],
        e[3],
        e[4],
        f(
            "entries",
            T::List(&[
                f("name", T::Str, "Name"),
                f("role", T::Str, "Role"),
                f("organisation", T::Str, "Organisation"),
                f("town", T::Str, "Town"),
                f("email", T::Email, "E-mail"),
                f("phone", T::Str, "Phone"),
                f("languages", T::Str, "Languages"),
                f("tenure_from", T::Date, "In role from"),
                f("tenure_to", T::Date, "In role until"),
                f("notes", T::Text, "Notes"),
            ]),
            "Contacts",
        ),
    ]
};

pub(super) fn fields(kind: DocKind) -> &'static [Field] {
    match kind {
        DocKind::Charter => CHARTER,
        DocKind::Plan => PLAN,
        DocKind::Minutes => MINUTES,
        DocKind::Contacts => CONTACTS,
    }
}

pub(super) fn list_fields(kind: DocKind, path: &[&str]) -> &'static [Field] {
    let mut fields = fields(kind);
    for name in path {
        let ty = fields.iter().find(|f| f.name == *name).map(|f| f.ty);
        fields = match ty {
            Some(T::List(fl) | T::Record(fl)) => fl,
            _ => &[],
        };
    }
    fields
}
