/* hc-chart-view.c: one patient's chart: header, allergy banner, summary and record tabs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The records come from hc_store_list_chart_async() (newest first, each with its sync state);
 * the view keeps that array and builds a tab's widgets the first time the tab is shown after a
 * load, so opening a chart paints the summary without building a long encounter timeline.
 */

#define G_LOG_DOMAIN "hc-chart-view"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "hc-widget-util.h"
#include "hc-chart-view.h"
#include "hc-chart-view-private.h"
#include "hc-format.h"
#include "hc-json.h"
#include "hc-record-text.h"
#include "hc-trend-plot.h"

typedef enum
{
  PAGE_SUMMARY,
  PAGE_ENCOUNTERS,
  PAGE_ORDERS,
  PAGE_PRESCRIPTIONS,
  PAGE_RESULTS,
  PAGE_NOTES,
  N_PAGES
} Page;

static const char * const page_names[N_PAGES] = {
  "summary", "encounters", "orders", "prescriptions", "results", "notes",
};

struct _HcChartView
{
  GtkWidget           parent_instance;

  /* template widgets */
  GtkWidget          *chart_box;
  GtkLabel           *name_label;
  GtkLabel           *facts_label;
  GtkWidget          *spinner;
  GtkWidget          *allergy_banner;
  GtkImage           *allergy_icon;
  GtkLabel           *allergy_label;
  GtkWidget          *conflict_banner;
  GtkLabel           *conflict_label;
  AdwSqueezer        *switcher_squeezer;
  GtkWidget          *switcher_none;
  AdwViewStack       *view_stack;
  AdwViewSwitcherBar *switcher_bar;
  GtkBox             *summary_box;
  GtkBox             *encounters_box;
  GtkBox             *orders_box;
  GtkBox             *prescriptions_box;
  GtkBox             *results_box;
  GtkBox             *notes_box;

  /* owned */
  HcStore            *store;
  HcPatient          *patient;
  GCancellable       *cancellable;    /* the load in flight */
  JsonArray          *chart;          /* { "resource", "state" }, newest first; NULL: none */
  GHashTable         *by_ref;         /* "Type/id" → JsonObject row (borrowed from chart) */
  guint               built;          /* bit per Page: built from the current chart */
  guint               limits[N_PAGES]; /* how many records a tab lists before "Show More" */
  guint               load_serial;
  guint               check_serial;
  guint               reload_id;
  char               *stamp;          /* hc_store_chart_stamp of the chart shown; NULL: none */
  char               *loading_stamp;  /* the same of the load in flight */
  gboolean            force_load;     /* the next load lists the chart whatever the stamp */

  /* borrowed: inside summary_box while it is built */
  HcTrendPlot        *plots[3];
};

G_DEFINE_FINAL_TYPE (HcChartView, hc_chart_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum { PLOT_WEIGHT, PLOT_BP, PLOT_A1C };

/* LOINC codes of what the summary shows */
#define LOINC_WEIGHT    "29463-7"
#define LOINC_BP_PANEL  "85354-9"
#define LOINC_SYSTOLIC  "8480-6"
#define LOINC_DIASTOLIC "8462-4"
#define LOINC_PULSE     "8867-4"
#define LOINC_TEMP      "8310-5"
#define LOINC_BMI       "39156-5"
#define LOINC_A1C       "4548-4"

/* ---- reading FHIR ----------------------------------------------------------------------- */

static JsonObject *
row_resource (JsonObject *row)
{
  return hc_json_get_object (row, "resource");
}

/* Where a record changed here stands on its way to the server (hc_store_list_chart_async):
 * NULL once the server confirmed it, the state in words before. */
static const char *
row_sync_text (JsonObject *row)
{
  const char *state = row ? hc_json_get_string (row, "state") : NULL;

  if (g_strcmp0 (state, "local") == 0)
    return _("Saved on this computer, not yet sent");
  if (g_strcmp0 (state, "sent") == 0)
    return _("Sent, waiting for the server to confirm");
  if (g_strcmp0 (state, "conflict") == 0)
    return _("In conflict with a colleague’s change, waiting in Conflicts");
  return NULL;
}

static const char *
resource_type (JsonObject *resource)
{
  return hc_json_get_string (resource, "resourceType");
}

static JsonObject *
first_coding (JsonObject *concept)
{
  JsonArray *codings = concept ? hc_json_get_array (concept, "coding") : NULL;

  return codings ? hc_json_array_get_object (codings, 0) : NULL;
}

/* What a CodeableConcept says to a reader: its text, else its first coding's display or code. */
static const char *
concept_text (JsonObject *concept)
{
  JsonObject *coding;
  const char *text;

  if (concept == NULL)
    return NULL;
  if ((text = hc_json_get_string (concept, "text")) != NULL && *text != '\0')
    return text;
  if ((coding = first_coding (concept)) == NULL)
    return NULL;
  if ((text = hc_json_get_string (coding, "display")) != NULL && *text != '\0')
    return text;
  return hc_json_get_string (coding, "code");
}

static gboolean
concept_has_code (JsonObject *concept,
                  const char *code)
{
  JsonArray *codings = concept ? hc_json_get_array (concept, "coding") : NULL;

  for (guint i = 0; codings != NULL && i < json_array_get_length (codings); i++)
    if (g_strcmp0 (hc_json_get_string (hc_json_array_get_object (codings, i), "code"), code) == 0)
      return TRUE;
  return FALSE;
}

static const char *
concept_code (JsonObject *concept)
{
  return hc_json_get_string (first_coding (concept), "code");
}

static const char *
resource_code (JsonObject *resource)
{
  return concept_code (hc_json_get_object (resource, "code"));
}

/* Whether any concept of the array member @member has @code. */
static gboolean
concepts_have_code (JsonObject *resource,
                    const char *member,
                    const char *code)
{
  JsonArray *concepts = hc_json_get_array (resource, member);

  for (guint i = 0; concepts != NULL && i < json_array_get_length (concepts); i++)
    if (concept_has_code (hc_json_array_get_object (concepts, i), code))
      return TRUE;
  return FALSE;
}

static const char *
reference_display (JsonObject *reference)
{
  return reference ? hc_json_get_string (reference, "display") : NULL;
}

static const char *
period_start (JsonObject *resource,
              const char *member)
{
  return hc_json_get_string (hc_json_get_object (resource, member), "start");
}

/* The date a record is filed under. */
static const char *
clinical_date (JsonObject *resource)
{
  const char *type = resource_type (resource);
  const char *date = NULL;

  if (g_strcmp0 (type, "Encounter") == 0)
    date = period_start (resource, "period");
  else if (g_strcmp0 (type, "Observation") == 0 || g_strcmp0 (type, "DiagnosticReport") == 0)
    {
      date = hc_json_get_string (resource, "effectiveDateTime");
      if (date == NULL)
        date = period_start (resource, "effectivePeriod");
      if (date == NULL)
        date = hc_json_get_string (resource, "issued");
    }
  else if (g_strcmp0 (type, "MedicationRequest") == 0 || g_strcmp0 (type, "ServiceRequest") == 0)
    date = hc_json_get_string (resource, "authoredOn");
  else if (g_strcmp0 (type, "Composition") == 0)
    date = hc_json_get_string (resource, "date");
  else if (g_strcmp0 (type, "Condition") == 0 || g_strcmp0 (type, "AllergyIntolerance") == 0)
    {
      date = hc_json_get_string (resource, "onsetDateTime");
      if (date == NULL)
        date = hc_json_get_string (resource, "recordedDate");
    }
  return date;
}

/* "2026-10-02" of a FHIR date or dateTime (what a chart shows; the time rarely matters). */
static char *
short_date (const char *fhir)
{
  if (fhir == NULL)
    return NULL;
  return g_strndup (fhir, MIN (strlen (fhir), 10));
}

/* A FHIR date or dateTime as Unix seconds; 0 when it is not one. */
static gint64
parse_time (const char *fhir)
{
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *full = NULL;
  gsize len;

  if (fhir == NULL)
    return 0;
  len = strlen (fhir);
  if (len == 4)
    full = g_strconcat (fhir, "-07-01T00:00:00Z", NULL);
  else if (len == 7)
    full = g_strconcat (fhir, "-15T00:00:00Z", NULL);
  else if (len == 10)
    full = g_strconcat (fhir, "T12:00:00Z", NULL);
  else
    full = g_strdup (fhir);
  when = g_date_time_new_from_iso8601 (full, NULL);
  return when ? g_date_time_to_unix (when) : 0;
}

/* "Cholesterol" of "Cholesterol [Mass/volume] in Serum or Plasma", "Hemoglobin A1c" of
 * "Hemoglobin A1c/Hemoglobin.total in Blood": LOINC long names say more than a physician reads
 * in a result list. */
static char *
short_analyte (const char *name)
{
  const char *bracket, *slash, *end;

  if (name == NULL)
    return g_strdup (_("Unnamed result"));
  bracket = strstr (name, " [");
  slash = strchr (name, '/');
  end = bracket && (!slash || bracket < slash) ? bracket : slash;
  return end && end > name ? g_strndup (name, end - name) : g_strdup (name);
}

static const char *
display_unit (const char *unit)
{
  if (unit == NULL)
    return "";
  if (g_str_equal (unit, "Cel"))
    return "°C";
  if (g_str_equal (unit, "[degF]"))
    return "°F";
  if (g_str_equal (unit, "kg/m2"))
    return "kg/m²";
  if (g_str_equal (unit, "beats/minute") || g_str_equal (unit, "/min"))
    /* Translators: beats per minute, the unit of a pulse */
    return C_("unit", "bpm");
  if (g_str_equal (unit, "mm[Hg]"))
    return "mmHg";
  return unit;
}

static gboolean
quantity_value (JsonObject *quantity,
                double     *value)
{
  JsonNode *node = quantity ? json_object_get_member (quantity, "value") : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  *value = json_node_get_double (node);
  return TRUE;
}

/* "82.5" with the decimals a value was written with (FHIR decimals keep them). */
static char *
format_number (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (fabs (value - round (value)) < 1e-9)
    return g_strdup_printf ("%.0f", value);
  g_ascii_formatd (buffer, sizeof buffer, "%.2f", value);
  /* drop trailing zeros, then the locale's decimal separator */
  for (char *end = buffer + strlen (buffer) - 1; end > buffer && *end == '0'; end--)
    *end = '\0';
  {
    int decimals = (int) strlen (strchr (buffer, '.') + 1);
    return g_strdup_printf ("%.*f", decimals, value);
  }
}

static char *
format_quantity (JsonObject *quantity)
{
  double value;
  g_autofree char *number = NULL;
  const char *unit;

  if (!quantity_value (quantity, &value))
    return NULL;
  number = format_number (value);
  unit = display_unit (hc_json_get_string (quantity, "unit") ? hc_json_get_string (quantity, "unit")
                                                           : hc_json_get_string (quantity, "code"));
  return *unit ? g_strdup_printf ("%s %s", number, unit) : g_steal_pointer (&number);
}

/* The component of a panel observation with @code (e.g. systolic of a blood pressure). */
static JsonObject *
find_component (JsonObject *observation,
                const char *code)
{
  JsonArray *components = hc_json_get_array (observation, "component");

  for (guint i = 0; components != NULL && i < json_array_get_length (components); i++)
    {
      JsonObject *component = hc_json_array_get_object (components, i);

      if (concept_has_code (hc_json_get_object (component, "code"), code))
        return component;
    }
  return NULL;
}

static const char *
status_text (const char *status)
{
  static const struct { const char *code; const char *text; } statuses[] = {
    { "active", NC_("record status", "Active") },
    { "on-hold", NC_("record status", "On hold") },
    { "completed", NC_("record status", "Completed") },
    { "stopped", NC_("record status", "Stopped") },
    { "cancelled", NC_("record status", "Cancelled") },
    { "revoked", NC_("record status", "Cancelled") },
    { "draft", NC_("record status", "Draft") },
    { "preliminary", NC_("record status", "Preliminary") },
    { "final", NC_("record status", "Final") },
    { "amended", NC_("record status", "Amended") },
    { "corrected", NC_("record status", "Corrected") },
    { "registered", NC_("record status", "Registered") },
    { "partial", NC_("record status", "Partial") },
    { "planned", NC_("record status", "Planned") },
    { "arrived", NC_("record status", "Arrived") },
    { "in-progress", NC_("record status", "In progress") },
    { "finished", NC_("record status", "Finished") },
    { "unknown", NC_("record status", "Unknown") },
  };

  for (guint i = 0; status != NULL && i < G_N_ELEMENTS (statuses); i++)
    if (g_str_equal (status, statuses[i].code))
      return g_dpgettext2 (GETTEXT_PACKAGE, "record status", statuses[i].text);
  return status;
}

static JsonObject *
lookup (HcChartView *self,
        JsonObject  *reference)
{
  const char *ref = reference ? hc_json_get_string (reference, "reference") : NULL;
  JsonObject *row = ref ? g_hash_table_lookup (self->by_ref, ref) : NULL;

  return row ? row_resource (row) : NULL;
}

/* ---- building widgets ------------------------------------------------------------------- */

/* A long chart lists this many records per tab at first, so a tab opens at once; "Show More"
 * adds the next ones. */
#define FIRST_ROWS 25
#define MORE_ROWS 100

static void    show_more_cb (GtkButton   *button,
                             HcChartView *self);
static GtkBox *page_box     (HcChartView *self,
                             Page         page);

/* Counts a record for @page; TRUE when it is past what the tab lists now. */
static gboolean
over_limit (HcChartView *self,
            Page         page,
            guint       *count)
{
  return ++(*count) > self->limits[page];
}

static void
add_more_button (HcChartView *self,
                 Page         page,
                 guint        count)
{
  g_autofree char *label = NULL;
  GtkWidget *button;
  guint hidden;

  if (count <= self->limits[page])
    return;
  hidden = count - self->limits[page];
  /* Translators: at the end of a long list of records */
  label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Show %u Older Record",
                                        "Show %u Older Records", MIN (hidden, MORE_ROWS)),
                           MIN (hidden, MORE_ROWS));
  button = gtk_button_new_with_label (label);
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (button, 12);
  gtk_widget_add_css_class (button, "pill");
  g_object_set_data (G_OBJECT (button), "page", GUINT_TO_POINTER (page));
  g_signal_connect_object (button, "clicked", G_CALLBACK (show_more_cb), self, 0);
  gtk_box_append (page_box (self, page), button);
}

static GtkWidget *
add_heading (GtkBox     *page,
             const char *title)
{
  GtkWidget *label = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_add_css_class (label, "chart-heading");
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LEVEL, 2, -1);
  gtk_box_append (page, label);
  return label;
}

/* A heading and a boxed list that says @empty when nothing is added to it. */
static GtkListBox *
add_section (GtkBox     *page,
             const char *title,
             const char *empty)
{
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *placeholder = gtk_label_new (empty);

  if (title != NULL)
    add_heading (page, title);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_widget_set_margin_bottom (placeholder, 12);
  gtk_widget_set_margin_start (placeholder, 12);
  gtk_widget_set_margin_end (placeholder, 12);
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_list_box_set_placeholder (GTK_LIST_BOX (list), placeholder);
  if (title != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                    -1);
  gtk_box_append (page, list);
  return GTK_LIST_BOX (list);
}

/* A small status word next to a record, e.g. "Active" or "H". */
static GtkWidget *
new_tag (const char *text,
         const char *style)
{
  GtkWidget *tag = gtk_label_new (text);

  gtk_widget_add_css_class (tag, "chart-tag");
  if (style != NULL)
    gtk_widget_add_css_class (tag, style);
  gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
  return tag;
}

/* The marker of a record not yet confirmed by the server: saved here only, or sent and
 * waiting for the answer (both discreet), or in conflict (not discreet). */
static GtkWidget *
new_sync_marker (JsonObject *row)
{
  const char *state = hc_json_get_string (row, "state");
  gboolean sent = g_strcmp0 (state, "sent") == 0;
  gboolean conflict = g_strcmp0 (state, "conflict") == 0;
  GtkWidget *image = gtk_image_new_from_icon_name (conflict ? "dialog-warning-symbolic" :
                                                   sent ? "network-transmit-symbolic" :
                                                          "document-send-symbolic");

  if (!conflict)
    gtk_widget_add_css_class (image, "dim-label");
  gtk_widget_add_css_class (image, conflict ? "sync-conflict" : sent ? "sync-sent" : "sync-local");
  gtk_widget_set_valign (image, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (image, row_sync_text (row));
  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  row_sync_text (row), -1);
  return image;
}

static void
label_row (GtkWidget  *row,
           const char *title,
           const char *subtitle,
           JsonObject *chart_row)
{
  g_autofree char *name = g_strjoin (", ", title ? title : "", subtitle ? subtitle : "",
                                     row_sync_text (chart_row), NULL);

  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

/* One record as a row: what it is, details below, its tags and sync state at the end. */
static AdwActionRow *
add_row (GtkListBox *list,
         const char *title,
         const char *subtitle,
         JsonObject *chart_row)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title ? title : "");
  if (subtitle != NULL && *subtitle != '\0')
    adw_action_row_set_subtitle (row, subtitle);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  if (row_sync_text (chart_row) != NULL)
    adw_action_row_add_suffix (row, new_sync_marker (chart_row));
  label_row (GTK_WIDGET (row), title, subtitle, chart_row);
  gtk_list_box_append (list, GTK_WIDGET (row));
  return row;
}

/* ---- header ----------------------------------------------------------------------------- */

/* SNOMED CT "no known allergy" assertions: a recorded absence, not an allergy. */
static gboolean
is_no_known_allergy (JsonObject *allergy)
{
  static const char * const codes[] = { "716186003", "409137002", "428607008", "429625007",
                                        "428197003" };
  JsonObject *code = hc_json_get_object (allergy, "code");

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (concept_has_code (code, codes[i]))
      return TRUE;
  return FALSE;
}

static gboolean
is_active_status (JsonObject *resource,
                  const char *member)
{
  const char *code = concept_code (hc_json_get_object (resource, member));

  /* no clinical status: recorded as current */
  return code == NULL || g_str_equal (code, "active") || g_str_equal (code, "recurrence") ||
         g_str_equal (code, "relapse");
}

static int
criticality_rank (JsonObject *allergy)
{
  const char *criticality = hc_json_get_string (allergy, "criticality");

  if (g_strcmp0 (criticality, "high") == 0)
    return 2;
  if (g_strcmp0 (criticality, "unable-to-assess") == 0)
    return 1;
  return 0;
}

static int
compare_allergies (gconstpointer a,
                   gconstpointer b)
{
  return criticality_rank (*(JsonObject **) b) - criticality_rank (*(JsonObject **) a);
}

/* "Rash, hives" of the first reaction. */
static char *
reaction_text (JsonObject *allergy)
{
  JsonObject *reaction = hc_json_array_get_object (hc_json_get_array (allergy, "reaction"), 0);
  JsonArray *manifestations = reaction ? hc_json_get_array (reaction, "manifestation") : NULL;
  GString *text = g_string_new (NULL);

  for (guint i = 0; manifestations != NULL && i < json_array_get_length (manifestations); i++)
    {
      const char *what = concept_text (hc_json_array_get_object (manifestations, i));
      if (what != NULL)
        g_string_append_printf (text, "%s%s", text->len ? ", " : "", what);
    }
  if (text->len == 0)
    {
      g_string_free (text, TRUE);
      return NULL;
    }
  return g_string_free (text, FALSE);
}

/* The active allergies, most critical first; @recorded says whether anything about allergies
 * (an allergy or a "no known allergy") is in the chart. */
static GPtrArray *
collect_allergies (HcChartView *self,
                   gboolean    *recorded,
                   GPtrArray   *rows)
{
  GPtrArray *allergies = g_ptr_array_new ();

  *recorded = FALSE;
  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      JsonObject *res = row_resource (row);

      if (g_strcmp0 (resource_type (res), "AllergyIntolerance") != 0)
        continue;
      if (!is_active_status (res, "clinicalStatus"))
        continue;
      *recorded = TRUE;
      if (is_no_known_allergy (res))
        continue;
      g_ptr_array_add (allergies, res);
      if (rows != NULL)
        g_ptr_array_add (rows, row);
    }
  g_ptr_array_sort (allergies, compare_allergies);
  return allergies;
}

static void
set_banner_style (HcChartView *self,
                  const char  *style,
                  const char  *icon)
{
  static const char * const styles[] = { "allergy-high", "allergy-present", "allergy-none",
                                         "allergy-unknown" };

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    gtk_widget_remove_css_class (self->allergy_banner, styles[i]);
  gtk_widget_add_css_class (self->allergy_banner, style);
  gtk_image_set_from_icon_name (self->allergy_icon, icon);
}

static void
update_allergy_banner (HcChartView *self)
{
  g_autoptr(GPtrArray) allergies = NULL;
  g_autoptr(GString) markup = NULL;
  gboolean recorded;

  gtk_widget_set_visible (self->allergy_banner, self->patient != NULL);
  if (self->chart == NULL)
    {
      set_banner_style (self, "allergy-unknown", "content-loading-symbolic");
      gtk_label_set_text (self->allergy_label, _("Checking allergies…"));
      return;
    }

  allergies = collect_allergies (self, &recorded, NULL);
  if (allergies->len == 0)
    {
      if (recorded)
        {
          set_banner_style (self, "allergy-none", "emblem-ok-symbolic");
          gtk_label_set_text (self->allergy_label, _("No known allergies"));
        }
      else
        {
          set_banner_style (self, "allergy-unknown", "dialog-question-symbolic");
          gtk_label_set_text (self->allergy_label,
                              _("Allergies not recorded: ask the patient before prescribing"));
        }
      return;
    }

  markup = g_string_new (NULL);
  g_string_append_printf (markup, "<b>%s</b> ", _("Allergies:"));
  for (guint i = 0; i < allergies->len; i++)
    {
      JsonObject *allergy = allergies->pdata[i];
      g_autofree char *name = g_markup_escape_text (concept_text (hc_json_get_object (allergy,
                                                                                       "code"))
                                                    ?: _("Unnamed allergy"), -1);
      g_autofree char *reaction = reaction_text (allergy);
      g_autofree char *escaped = reaction ? g_markup_escape_text (reaction, -1) : NULL;
      gboolean high = criticality_rank (allergy) == 2;

      if (i > 0)
        g_string_append (markup, " · ");
      if (high)
        g_string_append_printf (markup, "<b>%s</b> (%s%s%s)", name, _("high risk"),
                                escaped ? ": " : "", escaped ? escaped : "");
      else if (escaped != NULL)
        g_string_append_printf (markup, "%s (%s)", name, escaped);
      else
        g_string_append (markup, name);
    }
  gtk_label_set_markup (self->allergy_label, markup->str);
  set_banner_style (self, criticality_rank (allergies->pdata[0]) == 2 ? "allergy-high"
                                                                       : "allergy-present",
                    "dialog-warning-symbolic");
}

static void
update_header (HcChartView *self)
{
  g_autofree char *birth = NULL;
  g_autofree char *facts = NULL;
  const char *mrn;

  if (self->patient == NULL)
    {
      gtk_label_set_text (self->name_label, "");
      gtk_label_set_text (self->facts_label, "");
      gtk_label_set_text (self->allergy_label, "");
      gtk_widget_set_visible (self->allergy_banner, FALSE);
      gtk_widget_set_visible (self->conflict_banner, FALSE);
      return;
    }

  gtk_label_set_text (self->name_label, hc_patient_get_display_name (self->patient));
  birth = hc_format_birth_line (hc_patient_get_birth_date (self->patient),
                                hc_patient_get_gender (self->patient), NULL);
  mrn = hc_patient_get_mrn (self->patient);
  if (mrn != NULL && *mrn != '\0')
    /* Translators: the chart header: birth date, age and sex, then the medical record number */
    facts = g_strdup_printf (_("%s · MRN %s"), birth, mrn);
  else
    facts = g_strdup_printf ("%s · %s", birth, _("No MRN"));
  gtk_label_set_text (self->facts_label, *birth ? facts : facts + strlen (" · "));
  update_allergy_banner (self);
}

/* Which of the chart's records wait in the conflict inbox: until settled, each shows the
 * server's value of what conflicts, and refuses changes here. */
static void
update_conflict_banner (HcChartView *self)
{
  g_autoptr(GPtrArray) kinds = g_ptr_array_new ();
  g_autoptr(GString) markup = NULL;

  for (guint i = 0; self->patient != NULL && self->chart != NULL &&
                    i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      const char *kind;

      if (g_strcmp0 (hc_json_get_string (row, "state"), "conflict") != 0)
        continue;
      kind = hc_record_text_kind (resource_type (row_resource (row)));
      if (!g_ptr_array_find_with_equal_func (kinds, kind, g_str_equal, NULL))
        g_ptr_array_add (kinds, (gpointer) kind);
    }
  gtk_widget_set_visible (self->conflict_banner, kinds->len > 0);
  if (kinds->len == 0)
    return;
  markup = g_string_new (NULL);
  /* Translators: the chart's conflict banner starts with this, then the kinds of records */
  g_string_append_printf (markup, "<b>%s</b> ", _("In conflict:"));
  for (guint i = 0; i < kinds->len; i++)
    {
      g_autofree char *kind = g_markup_escape_text (kinds->pdata[i], -1);

      g_string_append_printf (markup, "%s%s", i > 0 ? ", " : "", kind);
    }
  g_string_append_printf (markup, ". %s",
                          _("Until it is settled, the chart shows the server’s version of what "
                            "differs."));
  gtk_label_set_markup (self->conflict_label, markup->str);
}

/* ---- summary ---------------------------------------------------------------------------- */

typedef struct
{
  const char *code;
  const char *name;
  JsonObject *row;   /* the latest */
} Vital;

static char *
vital_value (Vital *vital)
{
  JsonObject *res = row_resource (vital->row);

  if (g_str_equal (vital->code, LOINC_BP_PANEL))
    {
      double systolic, diastolic;
      JsonObject *s = find_component (res, LOINC_SYSTOLIC);
      JsonObject *d = find_component (res, LOINC_DIASTOLIC);

      if (!quantity_value (hc_json_get_object (s, "valueQuantity"), &systolic) ||
          !quantity_value (hc_json_get_object (d, "valueQuantity"), &diastolic))
        return NULL;
      return g_strdup_printf ("%.0f/%.0f mmHg", systolic, diastolic);
    }
  return format_quantity (hc_json_get_object (res, "valueQuantity"));
}

static void
add_vitals (HcChartView *self,
            GtkBox      *page)
{
  Vital vitals[] = {
    { LOINC_WEIGHT, C_("vital sign", "Weight"), NULL },
    { LOINC_BP_PANEL, C_("vital sign", "Blood pressure"), NULL },
    { LOINC_PULSE, C_("vital sign", "Pulse"), NULL },
    { LOINC_TEMP, C_("vital sign", "Temperature"), NULL },
    { LOINC_BMI, C_("vital sign", "BMI"), NULL },
    { LOINC_A1C, C_("vital sign", "HbA1c"), NULL },
  };
  GtkWidget *flow;
  guint found = 0;

  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      JsonObject *res = row_resource (row);
      const char *code;

      if (g_strcmp0 (resource_type (res), "Observation") != 0)
        continue;
      code = resource_code (res);
      for (guint v = 0; code != NULL && v < G_N_ELEMENTS (vitals); v++)
        if (vitals[v].row == NULL && g_str_equal (code, vitals[v].code))
          {
            vitals[v].row = row;   /* newest first: the first one is the latest */
            found++;
          }
      if (found == G_N_ELEMENTS (vitals))
        break;
    }

  if (found == 0)
    {
      add_section (page, _("Latest Vitals"), _("No vitals recorded"));
      return;
    }
  add_heading (page, _("Latest Vitals"));
  flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (flow), TRUE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (flow), 2);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 6);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 6);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 6);
  gtk_accessible_update_property (GTK_ACCESSIBLE (flow), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Latest Vitals"), -1);
  for (guint v = 0; v < G_N_ELEMENTS (vitals); v++)
    {
      GtkWidget *tile = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
      GtkWidget *name = gtk_label_new (vitals[v].name);
      g_autofree char *value = vitals[v].row ? vital_value (&vitals[v]) : NULL;
      g_autofree char *date = vitals[v].row ? short_date (clinical_date (row_resource (vitals[v].row)))
                                            : NULL;
      GtkWidget *value_label = gtk_label_new (value ? value : "—");
      GtkWidget *date_label = gtk_label_new (date ? date : _("Not recorded"));
      g_autofree char *a11y = g_strdup_printf ("%s: %s, %s", vitals[v].name,
                                               value ? value : _("not recorded"),
                                               date ? date : "");
      GtkWidget *child;

      gtk_widget_add_css_class (tile, "card");
      gtk_widget_add_css_class (tile, "vital-tile");
      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_widget_add_css_class (name, "caption-heading");
      gtk_widget_add_css_class (name, "dim-label");
      gtk_widget_set_hexpand (name, TRUE);
      gtk_box_append (GTK_BOX (top), name);
      if (row_sync_text (vitals[v].row) != NULL)
        gtk_box_append (GTK_BOX (top), new_sync_marker (vitals[v].row));
      gtk_box_append (GTK_BOX (tile), top);
      gtk_label_set_xalign (GTK_LABEL (value_label), 0);
      gtk_widget_add_css_class (value_label, "title-4");
      gtk_widget_add_css_class (value_label, "numeric");
      gtk_box_append (GTK_BOX (tile), value_label);
      gtk_label_set_xalign (GTK_LABEL (date_label), 0);
      gtk_widget_add_css_class (date_label, "caption");
      gtk_widget_add_css_class (date_label, "dim-label");
      gtk_box_append (GTK_BOX (tile), date_label);
      gtk_flow_box_append (GTK_FLOW_BOX (flow), tile);
      child = gtk_widget_get_parent (tile);
      gtk_widget_set_focusable (child, FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                      -1);
    }
  gtk_box_append (page, flow);
}

typedef struct
{
  char   *drug;
  gint64  start;
  gint64  stop;      /* 0: still taken */
} Course;

static void
course_free (gpointer data)
{
  Course *course = data;

  g_free (course->drug);
  g_free (course);
}

static gboolean
is_current_prescription (JsonObject *request)
{
  const char *status = hc_json_get_string (request, "status");

  return g_strcmp0 (status, "active") == 0 || g_strcmp0 (status, "on-hold") == 0 ||
         g_strcmp0 (status, "draft") == 0;
}

static const char *
drug_name (JsonObject *request)
{
  const char *name = concept_text (hc_json_get_object (request, "medicationCodeableConcept"));

  if (name == NULL)
    name = reference_display (hc_json_get_object (request, "medicationReference"));
  return name ? name : _("Unnamed medication");
}

/* When a prescription's supply ran out: its validity period's end, else the supply it gave. */
static gint64
prescription_end (JsonObject *request)
{
  JsonObject *dispense = hc_json_get_object (request, "dispenseRequest");
  const char *end = hc_json_get_string (hc_json_get_object (dispense, "validityPeriod"), "end");
  double days = 0, repeats = 0;
  gint64 authored = parse_time (hc_json_get_string (request, "authoredOn"));
  JsonNode *node;

  if (end != NULL)
    return parse_time (end);
  if (g_strcmp0 (hc_json_get_string (request, "status"), "stopped") == 0)
    {
      const char *updated = hc_json_get_string (hc_json_get_object (request, "meta"),
                                                "lastUpdated");
      if (updated != NULL)
        return parse_time (updated);
    }
  quantity_value (hc_json_get_object (dispense, "expectedSupplyDuration"), &days);
  node = dispense ? json_object_get_member (dispense, "numberOfRepeatsAllowed") : NULL;
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    repeats = json_node_get_double (node);
  if (authored == 0 || days <= 0)
    return authored;
  return authored + (gint64) (days * (1 + repeats) * 86400);
}

/* Each drug's course: from its first prescription to the end of its last one, unless one is
 * current. */
static GPtrArray *
collect_courses (HcChartView *self)
{
  g_autoptr(GHashTable) by_drug = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *courses = g_ptr_array_new_with_free_func (course_free);

  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *res = row_resource (hc_json_array_get_object (self->chart, i));
      const char *drug;
      Course *course;
      gint64 start;

      if (g_strcmp0 (resource_type (res), "MedicationRequest") != 0)
        continue;
      drug = drug_name (res);
      start = parse_time (hc_json_get_string (res, "authoredOn"));
      if (start == 0)
        continue;
      course = g_hash_table_lookup (by_drug, drug);
      if (course == NULL)
        {
          course = g_new0 (Course, 1);
          course->drug = g_strdup (drug);
          course->start = start;
          course->stop = -1;
          g_ptr_array_add (courses, course);
          g_hash_table_insert (by_drug, course->drug, course);
        }
      course->start = MIN (course->start, start);
      if (is_current_prescription (res))
        course->stop = 0;
      else if (course->stop != 0)
        course->stop = MAX (course->stop, prescription_end (res));
    }
  return courses;
}

/* "Atorvastatin" of "Atorvastatin 40 mg oral tablet": a label that fits on a plot. */
static char *
drug_short_name (const char *drug)
{
  const char *space = strchr (drug, ' ');

  return space ? g_strndup (drug, space - drug) : g_strdup (drug);
}

/* Returns whether there was anything to plot. */
static gboolean
add_plot (HcChartView *self,
          GtkBox      *page,
          guint        which,
          const char  *title,
          const char  *unit,
          int          decimals,
          GPtrArray   *courses)
{
  g_autoptr(GArray) first = g_array_new (FALSE, FALSE, sizeof (HcTrendPoint));
  g_autoptr(GArray) second = g_array_new (FALSE, FALSE, sizeof (HcTrendPoint));
  g_autofree char *heading = g_strdup_printf ("%s (%s)", title, unit);
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *label = gtk_label_new (heading);
  GtkWidget *plot = hc_trend_plot_new ();
  gint64 tmin = G_MAXINT64, tmax = 0;

  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *res = row_resource (hc_json_array_get_object (self->chart, i));
      HcTrendPoint point;
      const char *code;

      if (g_strcmp0 (resource_type (res), "Observation") != 0)
        continue;
      code = resource_code (res);
      point.time = parse_time (clinical_date (res));
      if (point.time == 0 || code == NULL)
        continue;
      if (which == PLOT_BP && g_str_equal (code, LOINC_BP_PANEL))
        {
          HcTrendPoint low = point;
          if (quantity_value (hc_json_get_object (find_component (res, LOINC_SYSTOLIC),
                                                  "valueQuantity"), &point.value) &&
              quantity_value (hc_json_get_object (find_component (res, LOINC_DIASTOLIC),
                                                  "valueQuantity"), &low.value))
            {
              g_array_append_val (first, point);
              g_array_append_val (second, low);
            }
        }
      else if ((which == PLOT_WEIGHT && g_str_equal (code, LOINC_WEIGHT)) ||
               (which == PLOT_A1C && g_str_equal (code, LOINC_A1C)))
        {
          if (quantity_value (hc_json_get_object (res, "valueQuantity"), &point.value))
            g_array_append_val (first, point);
        }
      else
        continue;
      tmin = MIN (tmin, point.time);
      tmax = MAX (tmax, point.time);
    }

  hc_trend_plot_set_measurement (HC_TREND_PLOT (plot), title, unit, decimals);
  if (which == PLOT_BP)
    {
      hc_trend_plot_add_series (HC_TREND_PLOT (plot), C_("blood pressure", "Systolic"),
                                (HcTrendPoint *) first->data, first->len);
      hc_trend_plot_add_series (HC_TREND_PLOT (plot), C_("blood pressure", "Diastolic"),
                                (HcTrendPoint *) second->data, second->len);
    }
  else
    hc_trend_plot_add_series (HC_TREND_PLOT (plot), title, (HcTrendPoint *) first->data,
                              first->len);
  /* medication starts and stops within the readings' time span */
  for (guint i = 0; first->len > 0 && i < courses->len; i++)
    {
      Course *course = courses->pdata[i];
      g_autofree char *name = drug_short_name (course->drug);

      if (course->start >= tmin && course->start <= tmax)
        hc_trend_plot_add_marker (HC_TREND_PLOT (plot), course->start, name, TRUE);
      if (course->stop > 0 && course->stop >= tmin && course->stop <= tmax)
        hc_trend_plot_add_marker (HC_TREND_PLOT (plot), course->stop, name, FALSE);
    }
  self->plots[which] = HC_TREND_PLOT (plot);

  if (first->len == 0)
    {
      /* an empty plot says nothing: the summary says once that there is nothing to plot */
      self->plots[which] = NULL;
      g_object_ref_sink (card);
      g_object_unref (card);
      g_object_ref_sink (label);
      g_object_unref (label);
      g_object_ref_sink (plot);
      g_object_unref (plot);
      return FALSE;
    }
  gtk_widget_add_css_class (card, "card");
  gtk_widget_add_css_class (card, "plot-card");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (card), label);
  gtk_box_append (GTK_BOX (card), plot);
  gtk_box_append (page, card);
  return TRUE;
}

static void
add_problems (HcChartView *self,
              GtkBox      *page)
{
  GtkListBox *list = add_section (page, _("Active Problems"), _("No active problems recorded"));

  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      JsonObject *res = row_resource (row);
      JsonObject *code;
      g_autofree char *since = NULL;
      g_autofree char *subtitle = NULL;

      if (g_strcmp0 (resource_type (res), "Condition") != 0)
        continue;
      /* problem-list items; a condition without a category is taken as one */
      if (hc_json_get_array (res, "category") != NULL &&
          !concepts_have_code (res, "category", "problem-list-item"))
        continue;
      if (!is_active_status (res, "clinicalStatus"))
        continue;
      code = hc_json_get_object (res, "code");
      since = short_date (clinical_date (res));
      if (since != NULL && concept_code (code) != NULL)
        /* Translators: a problem's onset and its diagnosis code, e.g. "Since 2018-06-14 · E78.5" */
        subtitle = g_strdup_printf (_("Since %s · %s"), since, concept_code (code));
      else if (since != NULL)
        subtitle = g_strdup_printf (_("Since %s"), since);
      add_row (list, concept_text (code) ?: _("Unnamed problem"), subtitle, row);
    }
}

static void
add_allergy_list (HcChartView *self,
                  GtkBox      *page)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) allergies = NULL;
  gboolean recorded;
  GtkListBox *list;

  allergies = collect_allergies (self, &recorded, rows);
  list = add_section (page, _("Allergies"),
                      recorded ? _("No known allergies") : _("Allergies not recorded"));
  for (guint i = 0; i < allergies->len; i++)
    {
      JsonObject *res = allergies->pdata[i];
      JsonObject *row = NULL;
      g_autofree char *reaction = reaction_text (res);
      g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *subtitle = NULL;
      const char *criticality = hc_json_get_string (res, "criticality");
      AdwActionRow *item;

      for (guint r = 0; r < rows->len; r++)
        if (row_resource (rows->pdata[r]) == res)
          row = rows->pdata[r];
      if (reaction != NULL)
        /* Translators: an allergic reaction, e.g. "Reaction: rash" */
        g_ptr_array_add (parts, g_strdup_printf (_("Reaction: %s"), reaction));
      if (g_strcmp0 (criticality, "low") == 0)
        g_ptr_array_add (parts, g_strdup (_("Low criticality")));
      else if (g_strcmp0 (criticality, "unable-to-assess") == 0)
        g_ptr_array_add (parts, g_strdup (_("Criticality not assessed")));
      g_ptr_array_add (parts, NULL);
      subtitle = g_strjoinv (" · ", (char **) parts->pdata);
      item = add_row (list, concept_text (hc_json_get_object (res, "code")) ?: _("Unnamed allergy"),
                      subtitle, row);
      if (g_strcmp0 (criticality, "high") == 0)
        adw_action_row_add_suffix (item, new_tag (_("High risk"), "error"));
    }
}

/* "Take 1 tablet by mouth at bedtime." */
static const char *
dosage_text (JsonObject *request)
{
  JsonObject *dosage = hc_json_array_get_object (hc_json_get_array (request, "dosageInstruction"),
                                                 0);
  return dosage ? hc_json_get_string (dosage, "text") : NULL;
}

static void
add_active_medications (HcChartView *self,
                        GtkBox      *page)
{
  GtkListBox *list = add_section (page, _("Active Medications"), _("No active medications"));

  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      JsonObject *res = row_resource (row);
      AdwActionRow *item;

      if (g_strcmp0 (resource_type (res), "MedicationRequest") != 0 ||
          !is_current_prescription (res))
        continue;
      item = add_row (list, drug_name (res), dosage_text (res), row);
      if (g_strcmp0 (hc_json_get_string (res, "status"), "active") != 0)
        adw_action_row_add_suffix (item, new_tag (status_text (hc_json_get_string (res, "status")),
                                                  "warning"));
    }
}

static void
build_summary (HcChartView *self)
{
  GtkBox *page = self->summary_box;
  g_autoptr(GPtrArray) courses = collect_courses (self);
  GtkWidget *heading;
  gboolean plotted = FALSE;

  add_problems (self, page);
  add_allergy_list (self, page);
  add_active_medications (self, page);
  add_vitals (self, page);
  heading = add_heading (page, _("Trends"));
  plotted |= add_plot (self, page, PLOT_WEIGHT, C_("vital sign", "Weight"), "kg", 1, courses);
  plotted |= add_plot (self, page, PLOT_BP, C_("vital sign", "Blood pressure"), "mmHg", 0,
                       courses);
  plotted |= add_plot (self, page, PLOT_A1C, C_("vital sign", "HbA1c"), "%", 1, courses);
  if (!plotted)
    gtk_box_remove (page, heading);
}

/* ---- encounters, orders, prescriptions ------------------------------------------------- */

static void
build_encounters (HcChartView *self)
{
  GtkListBox *list = add_section (self->encounters_box, NULL, _("No encounters recorded"));
  guint count = 0;

  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Encounters, newest first"), -1);
  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      JsonObject *res = row_resource (row);
      g_autoptr(GString) subtitle = g_string_new (NULL);
      g_autoptr(GString) diagnoses = g_string_new (NULL);
      g_autofree char *date = NULL;
      g_autofree char *title = NULL;
      JsonArray *array;
      JsonObject *participant;
      const char *type, *status, *who;
      AdwActionRow *item;

      if (g_strcmp0 (resource_type (res), "Encounter") != 0 ||
          over_limit (self, PAGE_ENCOUNTERS, &count))
        continue;
      date = short_date (clinical_date (res));
      type = concept_text (hc_json_array_get_object (hc_json_get_array (res, "type"), 0));
      if (type == NULL)
        type = hc_json_get_string (hc_json_get_object (res, "class"), "display");
      title = g_strdup_printf ("%s · %s", date ? date : _("No date"), type ? type : _("Encounter"));

      array = hc_json_get_array (res, "reasonCode");
      for (guint r = 0; array != NULL && r < json_array_get_length (array); r++)
        {
          const char *reason = concept_text (hc_json_array_get_object (array, r));
          if (reason != NULL)
            g_string_append_printf (subtitle, "%s%s", r == 0 ? _("Reason: ") : "; ", reason);
        }
      array = hc_json_get_array (res, "diagnosis");
      for (guint d = 0; array != NULL && d < json_array_get_length (array); d++)
        {
          JsonObject *diagnosis = hc_json_array_get_object (array, d);
          JsonObject *condition = lookup (self, hc_json_get_object (diagnosis, "condition"));
          const char *name = condition ? concept_text (hc_json_get_object (condition, "code"))
                                       : reference_display (hc_json_get_object (diagnosis,
                                                                                "condition"));
          if (name != NULL)
            g_string_append_printf (diagnoses, "%s%s", diagnoses->len ? "; " : "", name);
        }
      if (diagnoses->len > 0)
        g_string_append_printf (subtitle, "%s%s%s", subtitle->len ? "\n" : "", _("Diagnoses: "),
                                diagnoses->str);
      participant = hc_json_array_get_object (hc_json_get_array (res, "participant"), 0);
      who = participant ? reference_display (hc_json_get_object (participant, "individual")) : NULL;
      if (who != NULL)
        {
          if (subtitle->len > 0)
            g_string_append_c (subtitle, '\n');
          /* Translators: who saw the patient at an encounter */
          g_string_append_printf (subtitle, _("Seen by %s"), who);
        }
      item = add_row (list, title, subtitle->str, row);
      status = hc_json_get_string (res, "status");
      if (g_strcmp0 (status, "finished") != 0 && status != NULL)
        adw_action_row_add_suffix (item, new_tag (status_text (status),
                                                  g_str_equal (status, "in-progress") ? "accent"
                                                                                      : NULL));
    }
  add_more_button (self, PAGE_ENCOUNTERS, count);
}

static const char *
priority_text (const char *priority)
{
  if (g_strcmp0 (priority, "urgent") == 0)
    return C_("order priority", "Urgent");
  if (g_strcmp0 (priority, "asap") == 0)
    return C_("order priority", "As soon as possible");
  if (g_strcmp0 (priority, "stat") == 0)
    return C_("order priority", "STAT");
  return C_("order priority", "Routine");
}

static const char *
status_style (const char *status)
{
  if (g_strcmp0 (status, "active") == 0)
    return "accent";
  if (g_strcmp0 (status, "draft") == 0 || g_strcmp0 (status, "on-hold") == 0 ||
      g_strcmp0 (status, "preliminary") == 0)
    return "warning";
  return "dim";
}

static void
build_orders (HcChartView *self)
{
  GtkListBox *list = add_section (self->orders_box, NULL, _("No orders recorded"));
  guint count = 0;

  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Orders, newest first"), -1);
  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      JsonObject *res = row_resource (row);
      g_autofree char *date = NULL;
      g_autofree char *subtitle = NULL;
      const char *priority, *who, *status;
      AdwActionRow *item;

      if (g_strcmp0 (resource_type (res), "ServiceRequest") != 0 ||
          over_limit (self, PAGE_ORDERS, &count))
        continue;
      date = short_date (clinical_date (res));
      priority = hc_json_get_string (res, "priority");
      who = reference_display (hc_json_get_object (res, "requester"));
      /* Translators: an order's line: date and who ordered, e.g.
       * "Ordered 2026-10-02 by Dr. Hartmann"; a priority other than routine is a tag */
      subtitle = who ? g_strdup_printf (_("Ordered %s by %s"), date ? date : "?", who)
                     : g_strdup_printf (_("Ordered %s"), date ? date : "?");
      item = add_row (list, concept_text (hc_json_get_object (res, "code")) ?: _("Unnamed order"),
                      subtitle, row);
      if (priority != NULL && !g_str_equal (priority, "routine"))
        adw_action_row_add_suffix (item, new_tag (priority_text (priority), "error"));
      status = hc_json_get_string (res, "status");
      adw_action_row_add_suffix (item, new_tag (status_text (status), status_style (status)));
    }
  add_more_button (self, PAGE_ORDERS, count);
}

static void
add_prescription (GtkListBox *list,
                  JsonObject *row)
{
  JsonObject *res = row_resource (row);
  JsonObject *dispense = hc_json_get_object (res, "dispenseRequest");
  g_autoptr(GString) subtitle = g_string_new (dosage_text (res));
  g_autofree char *date = short_date (hc_json_get_string (res, "authoredOn"));
  g_autofree char *quantity = format_quantity (hc_json_get_object (dispense, "quantity"));
  const char *until = hc_json_get_string (hc_json_get_object (dispense, "validityPeriod"), "end");
  const char *status = hc_json_get_string (res, "status");
  JsonNode *repeats = dispense ? json_object_get_member (dispense, "numberOfRepeatsAllowed")
                               : NULL;
  AdwActionRow *item;

  if (subtitle->len > 0)
    g_string_append_c (subtitle, '\n');
  /* Translators: when a prescription was written */
  g_string_append_printf (subtitle, _("Prescribed %s"), date ? date : "?");
  if (quantity != NULL)
    g_string_append_printf (subtitle, " · %s", quantity);
  if (repeats != NULL && JSON_NODE_HOLDS_VALUE (repeats))
    {
      int n = (int) json_node_get_int (repeats);
      g_string_append (subtitle, " · ");
      g_string_append_printf (subtitle, g_dngettext (GETTEXT_PACKAGE, "%d refill", "%d refills", n),
                              n);
    }
  if (until != NULL)
    {
      g_autofree char *end = short_date (until);
      g_string_append (subtitle, " · ");
      /* Translators: the end of a prescription's validity */
      g_string_append_printf (subtitle, _("valid until %s"), end);
    }
  item = add_row (list, drug_name (res), subtitle->str, row);
  adw_action_row_add_suffix (item, new_tag (status_text (status), status_style (status)));
}

static void
build_prescriptions (HcChartView *self)
{
  GtkListBox *current = add_section (self->prescriptions_box, _("Current"),
                                     _("No current prescriptions"));
  GtkListBox *past = add_section (self->prescriptions_box, _("Past"), _("No past prescriptions"));
  guint count = 0;

  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      JsonObject *res = row_resource (row);

      if (g_strcmp0 (resource_type (res), "MedicationRequest") != 0)
        continue;
      if (is_current_prescription (res))
        add_prescription (current, row);
      else if (!over_limit (self, PAGE_PRESCRIPTIONS, &count))
        add_prescription (past, row);
    }
  add_more_button (self, PAGE_PRESCRIPTIONS, count);
}

/* ---- results ---------------------------------------------------------------------------- */

/* "H", "L", "HH", "LL", "A" for an abnormal result, NULL for a normal or unknown one: from its
 * interpretation, else by comparing with its reference range. */
static const char *
abnormal_flag (JsonObject *observation)
{
  static const char * const flags[] = { "HH", "LL", "H", "L", "AA", "A", "HU", "LU" };
  JsonArray *interpretations = hc_json_get_array (observation, "interpretation");
  JsonObject *range = hc_json_array_get_object (hc_json_get_array (observation, "referenceRange"),
                                                0);
  double value, low, high;

  for (guint i = 0; interpretations != NULL && i < json_array_get_length (interpretations); i++)
    {
      JsonObject *concept = hc_json_array_get_object (interpretations, i);

      for (guint f = 0; f < G_N_ELEMENTS (flags); f++)
        if (concept_has_code (concept, flags[f]))
          return flags[f][1] == 'U' ? (flags[f][0] == 'H' ? "H" : "L") : flags[f];
      if (concept_has_code (concept, "N"))
        return NULL;
    }
  if (range == NULL || !quantity_value (hc_json_get_object (observation, "valueQuantity"), &value))
    return NULL;
  if (quantity_value (hc_json_get_object (range, "high"), &high) && value > high)
    return "H";
  if (quantity_value (hc_json_get_object (range, "low"), &low) && value < low)
    return "L";
  return NULL;
}

static char *
range_text (JsonObject *observation)
{
  JsonObject *range = hc_json_array_get_object (hc_json_get_array (observation, "referenceRange"),
                                                0);
  JsonObject *low_q = range ? hc_json_get_object (range, "low") : NULL;
  JsonObject *high_q = range ? hc_json_get_object (range, "high") : NULL;
  double low, high;
  g_autofree char *low_text = NULL;
  g_autofree char *high_text = NULL;
  const char *unit;

  if (range == NULL)
    return NULL;
  if (hc_json_get_string (range, "text") != NULL)
    return g_strdup (hc_json_get_string (range, "text"));
  unit = display_unit (hc_json_get_string (high_q ? high_q : low_q, "unit"));
  if (quantity_value (low_q, &low))
    low_text = format_number (low);
  if (quantity_value (high_q, &high))
    high_text = format_number (high);
  if (low_text && high_text)
    return g_strdup_printf ("%s–%s %s", low_text, high_text, unit);
  if (high_text)
    return g_strdup_printf ("≤ %s %s", high_text, unit);
  if (low_text)
    return g_strdup_printf ("≥ %s %s", low_text, unit);
  return NULL;
}

static void
add_result (GtkListBox *list,
            JsonObject *row,
            gboolean    with_date,
            const char *earlier)
{
  JsonObject *res = row_resource (row);
  g_autofree char *name = short_analyte (concept_text (hc_json_get_object (res, "code")));
  g_autofree char *value = format_quantity (hc_json_get_object (res, "valueQuantity"));
  g_autofree char *range = range_text (res);
  g_autofree char *date = with_date ? short_date (clinical_date (res)) : NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *a11y = NULL;
  const char *flag = abnormal_flag (res);
  const char *text_value = hc_json_get_string (res, "valueString");
  GtkWidget *value_label;
  AdwActionRow *item;

  if (value == NULL && text_value == NULL)
    text_value = concept_text (hc_json_get_object (res, "valueCodeableConcept"));
  if (range != NULL)
    /* Translators: a result's reference range, e.g. "Reference 4.5–11 10*3/uL" */
    subtitle = g_strdup_printf (_("Reference %s"), range);
  if (date != NULL)
    {
      char *both = subtitle ? g_strdup_printf ("%s · %s", date, subtitle) : g_strdup (date);
      g_free (subtitle);
      subtitle = both;
    }
  if (earlier != NULL)
    {
      /* Translators: the earlier readings of a result, e.g. "Earlier: 7.2 % H (2026-03-15)" */
      char *both = g_strdup_printf (_("%s\nEarlier: %s"), subtitle ? subtitle : "", earlier);
      g_free (subtitle);
      subtitle = both;
    }
  item = add_row (list, name, subtitle, row);
  value_label = gtk_label_new (value ? value : text_value ? text_value : "—");
  gtk_widget_add_css_class (value_label, "result-value");
  gtk_widget_add_css_class (value_label, "numeric");
  gtk_label_set_xalign (GTK_LABEL (value_label), 1);
  adw_action_row_add_suffix (item, value_label);
  if (flag != NULL)
    {
      GtkWidget *tag = new_tag (flag, "error");
      const char *meaning = flag[0] == 'H' ? _("high") : flag[0] == 'L' ? _("low") : _("abnormal");

      gtk_widget_add_css_class (value_label, "abnormal");
      gtk_widget_add_css_class (tag, "abnormal-flag");
      gtk_widget_set_tooltip_text (tag, meaning);
      adw_action_row_add_suffix (item, tag);
      a11y = g_strdup_printf ("%s, %s, %s%s%s", name, value ? value : "", meaning,
                              subtitle ? ", " : "", subtitle ? subtitle : "");
    }
  else
    a11y = g_strdup_printf ("%s, %s%s%s", name, value ? value : text_value ? text_value : "",
                            subtitle ? ", " : "", subtitle ? subtitle : "");
  if (row_sync_text (row) != NULL)
    {
      char *with_sync = g_strdup_printf ("%s, %s", a11y, row_sync_text (row));
      g_free (a11y);
      a11y = with_sync;
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (item), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
}

static gboolean
is_lab (JsonObject *observation)
{
  return concepts_have_code (observation, "category", "laboratory");
}

static void
build_results (HcChartView *self)
{
  g_autoptr(GHashTable) in_report = g_hash_table_new (NULL, NULL);
  GtkListBox *other = NULL;
  guint n_reports = 0;
  guint count = 0;

  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      JsonObject *res = row_resource (row);
      JsonArray *results;
      g_autofree char *date = NULL;
      g_autofree char *title = NULL;
      g_autofree char *status_line = NULL;
      const char *status, *conclusion;
      GtkListBox *list;

      if (g_strcmp0 (resource_type (res), "DiagnosticReport") != 0)
        continue;
      n_reports++;
      if (over_limit (self, PAGE_RESULTS, &count))
        {
          /* its results are not listed as "other results" either */
          JsonArray *hidden = hc_json_get_array (res, "result");
          for (guint r = 0; hidden != NULL && r < json_array_get_length (hidden); r++)
            {
              const char *key = hc_json_get_string (hc_json_array_get_object (hidden, r),
                                                    "reference");
              JsonObject *result_row = key ? g_hash_table_lookup (self->by_ref, key) : NULL;
              if (result_row != NULL)
                g_hash_table_add (in_report, result_row);
            }
          continue;
        }
      date = short_date (clinical_date (res));
      title = g_strdup_printf ("%s · %s", date ? date : _("No date"),
                               concept_text (hc_json_get_object (res, "code")) ?: _("Report"));
      list = add_section (self->results_box, title, _("The report lists no results"));
      status = hc_json_get_string (res, "status");
      conclusion = hc_json_get_string (res, "conclusion");
      if (g_strcmp0 (status, "final") != 0 || row_sync_text (row) != NULL)
        {
          GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
          GtkWidget *heading = gtk_widget_get_prev_sibling (GTK_WIDGET (list));

          if (g_strcmp0 (status, "final") != 0)
            gtk_box_append (GTK_BOX (line), new_tag (status_text (status), status_style (status)));
          if (row_sync_text (row) != NULL)
            gtk_box_append (GTK_BOX (line), new_sync_marker (row));
          gtk_box_insert_child_after (self->results_box, line, heading);
        }
      results = hc_json_get_array (res, "result");
      for (guint r = 0; results != NULL && r < json_array_get_length (results); r++)
        {
          JsonObject *ref = hc_json_array_get_object (results, r);
          const char *key = ref ? hc_json_get_string (ref, "reference") : NULL;
          JsonObject *result_row = key ? g_hash_table_lookup (self->by_ref, key) : NULL;

          if (result_row == NULL)
            continue;
          g_hash_table_add (in_report, result_row);
          add_result (list, result_row, FALSE, NULL);
        }
      if (conclusion != NULL)
        {
          GtkWidget *label = gtk_label_new (conclusion);

          gtk_label_set_xalign (GTK_LABEL (label), 0);
          gtk_label_set_wrap (GTK_LABEL (label), TRUE);
          gtk_label_set_selectable (GTK_LABEL (label), TRUE);
          gtk_widget_add_css_class (label, "dim-label");
          gtk_widget_add_css_class (label, "report-conclusion");
          gtk_box_append (self->results_box, label);
        }
    }

  /* lab results that came without a report: one row per test, its latest value first */
  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      JsonObject *res = row_resource (row);
      g_autoptr(GString) earlier = g_string_new (NULL);
      const char *code = resource_code (res);
      guint n_earlier = 0;

      if (g_strcmp0 (resource_type (res), "Observation") != 0 || !is_lab (res) ||
          g_hash_table_contains (in_report, row))
        continue;
      for (guint j = i + 1; code != NULL && j < json_array_get_length (self->chart); j++)
        {
          JsonObject *older_row = hc_json_array_get_object (self->chart, j);
          JsonObject *older = row_resource (older_row);
          g_autofree char *value = NULL;
          g_autofree char *date = NULL;
          const char *flag;

          if (g_strcmp0 (resource_type (older), "Observation") != 0 ||
              g_strcmp0 (resource_code (older), code) != 0 ||
              g_hash_table_contains (in_report, older_row))
            continue;
          g_hash_table_add (in_report, older_row);
          if (++n_earlier > 3)
            continue;
          value = format_quantity (hc_json_get_object (older, "valueQuantity"));
          date = short_date (clinical_date (older));
          flag = abnormal_flag (older);
          g_string_append_printf (earlier, "%s%s%s%s (%s)", earlier->len ? ", " : "",
                                  value ? value : "—", flag ? " " : "", flag ? flag : "",
                                  date ? date : "?");
        }
      if (n_earlier > 3)
        g_string_append (earlier, ", …");
      if (other == NULL)
        other = add_section (self->results_box, n_reports ? _("Other Results") : NULL, "");
      add_result (other, row, TRUE, earlier->len ? earlier->str : NULL);
    }
  if (n_reports == 0 && other == NULL)
    add_section (self->results_box, NULL, _("No results recorded"));
  add_more_button (self, PAGE_RESULTS, count);
}

/* ---- notes ------------------------------------------------------------------------------ */

/* The text of a narrative's XHTML div, tags dropped, paragraphs kept apart. */
static char *
narrative_text (JsonObject *section)
{
  const char *div = hc_json_get_string (hc_json_get_object (section, "text"), "div");
  GString *text;
  gboolean in_tag = FALSE;

  if (div == NULL)
    return NULL;
  text = g_string_new (NULL);
  for (const char *p = div; *p; p++)
    {
      if (*p == '<')
        {
          in_tag = TRUE;
          if ((g_str_has_prefix (p, "</p") || g_str_has_prefix (p, "<br") ||
               g_str_has_prefix (p, "</li")) && text->len > 0)
            g_string_append_c (text, '\n');
        }
      else if (*p == '>')
        in_tag = FALSE;
      else if (!in_tag)
        g_string_append_c (text, *p);
    }
  /* the few entities XHTML narratives use */
  {
    static const char * const entities[][2] = {
      { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" }, { "&#39;", "'" }, { "&amp;", "&" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
      g_string_replace (text, entities[i][0], entities[i][1], 0);
  }
  while (text->len > 0 && text->str[text->len - 1] == '\n')
    g_string_truncate (text, text->len - 1);
  return g_string_free (text, FALSE);
}

static const char *
appended_note (JsonObject *composition)
{
  JsonArray *relates = hc_json_get_array (composition, "relatesTo");

  for (guint i = 0; relates != NULL && i < json_array_get_length (relates); i++)
    {
      JsonObject *relation = hc_json_array_get_object (relates, i);

      if (g_strcmp0 (hc_json_get_string (relation, "code"), "appends") == 0)
        return hc_json_get_string (hc_json_get_object (relation, "targetReference"), "reference");
    }
  return NULL;
}

/* "Signed by Dr. Hartmann on 2026-10-02" ("Signed 2026-10-02" when @author signed), or NULL
 * for an unsigned note. */
static char *
signature_text (JsonObject *composition,
                const char *author)
{
  JsonArray *attesters = hc_json_get_array (composition, "attester");
  JsonObject *attester = hc_json_array_get_object (attesters, 0);
  g_autofree char *when = NULL;
  const char *who;

  if (attester == NULL)
    return NULL;
  who = reference_display (hc_json_get_object (attester, "party"));
  when = short_date (hc_json_get_string (attester, "time"));
  if (when && g_strcmp0 (who, author) == 0)
    /* Translators: a note signed by its author, e.g. "Signed 2026-10-02" */
    return g_strdup_printf (_("Signed %s"), when);
  if (who && when)
    /* Translators: e.g. "Signed by Dr. Amelia Hartmann, MD on 2026-10-02" */
    return g_strdup_printf (_("Signed by %s on %s"), who, when);
  if (who)
    return g_strdup_printf (_("Signed by %s"), who);
  return g_strdup (_("Signed"));
}

static char *
note_subtitle (JsonObject *composition)
{
  g_autofree char *date = short_date (clinical_date (composition));
  JsonObject *author = hc_json_array_get_object (hc_json_get_array (composition, "author"), 0);
  const char *who = reference_display (author);
  g_autofree char *signature = signature_text (composition, who);
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  if (date != NULL)
    g_ptr_array_add (parts, date);
  if (who != NULL)
    g_ptr_array_add (parts, (char *) who);
  if (signature != NULL)
    g_ptr_array_add (parts, signature);
  else
    g_ptr_array_add (parts, (char *) _("Not signed"));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

static void
add_text_row (AdwExpanderRow *expander,
              const char     *title,
              const char     *text)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *body = gtk_label_new (text);
  GtkWidget *row = gtk_list_box_row_new ();
  g_autofree char *a11y = g_strdup_printf ("%s: %s", title, text);

  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_widget_add_css_class (heading, "caption-heading");
  gtk_label_set_xalign (GTK_LABEL (body), 0);
  gtk_label_set_wrap (GTK_LABEL (body), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (body), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (body), TRUE);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), body);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  adw_expander_row_add_row (expander, row);
}

static void
add_sections (AdwExpanderRow *expander,
              JsonObject     *composition)
{
  JsonArray *sections = hc_json_get_array (composition, "section");

  for (guint s = 0; sections != NULL && s < json_array_get_length (sections); s++)
    {
      JsonObject *section = hc_json_array_get_object (sections, s);
      g_autofree char *text = narrative_text (section);

      if (text != NULL && *text != '\0')
        add_text_row (expander, hc_json_get_string (section, "title") ?: _("Section"), text);
    }
}

static void
build_notes (HcChartView *self)
{
  GtkListBox *list = add_section (self->notes_box, NULL, _("No notes recorded"));
  guint count = 0;

  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Notes, newest first"), -1);
  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      JsonObject *res = row_resource (row);
      g_autofree char *subtitle = NULL;
      g_autofree char *ref = NULL;
      const char *status, *title;
      GtkWidget *expander;

      if (g_strcmp0 (resource_type (res), "Composition") != 0 || appended_note (res) != NULL ||
          over_limit (self, PAGE_NOTES, &count))
        continue;
      title = hc_json_get_string (res, "title");
      if (title == NULL)
        title = concept_text (hc_json_get_object (res, "type")) ?: _("Note");
      subtitle = note_subtitle (res);
      expander = adw_expander_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), title);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);
      status = hc_json_get_string (res, "status");
      if (g_strcmp0 (status, "final") == 0 && hc_json_get_array (res, "attester") != NULL)
        {
          GtkWidget *signed_icon = gtk_image_new_from_icon_name ("emblem-ok-symbolic");

          gtk_widget_add_css_class (signed_icon, "success");
          gtk_widget_set_tooltip_text (signed_icon, _("Signed: changes are made as addenda"));
          gtk_accessible_update_property (GTK_ACCESSIBLE (signed_icon),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, _("Signed"), -1);
          adw_expander_row_add_action (ADW_EXPANDER_ROW (expander), signed_icon);
        }
      else
        adw_expander_row_add_action (ADW_EXPANDER_ROW (expander),
                                     new_tag (status_text (status), status_style (status)));
      if (row_sync_text (row) != NULL)
        adw_expander_row_add_action (ADW_EXPANDER_ROW (expander), new_sync_marker (row));
      label_row (expander, title, subtitle, row);
      add_sections (ADW_EXPANDER_ROW (expander), res);

      /* addenda below the note they amend, oldest first */
      ref = g_strconcat ("Composition/", hc_json_get_string (res, "id"), NULL);
      for (guint a = json_array_get_length (self->chart); a > 0; a--)
        {
          JsonObject *addendum = row_resource (hc_json_array_get_object (self->chart, a - 1));
          g_autofree char *heading = NULL;
          g_autofree char *line = NULL;
          JsonArray *sections;
          GString *text;

          if (g_strcmp0 (resource_type (addendum), "Composition") != 0 ||
              g_strcmp0 (appended_note (addendum), ref) != 0)
            continue;
          line = note_subtitle (addendum);
          /* Translators: an addendum to a signed note, with its date, author and signature */
          heading = g_strdup_printf (_("Addendum · %s"), line);
          text = g_string_new (NULL);
          sections = hc_json_get_array (addendum, "section");
          for (guint s = 0; sections != NULL && s < json_array_get_length (sections); s++)
            {
              g_autofree char *part = narrative_text (hc_json_array_get_object (sections, s));
              if (part != NULL)
                g_string_append_printf (text, "%s%s", text->len ? "\n" : "", part);
            }
          add_text_row (ADW_EXPANDER_ROW (expander), heading, text->str);
          g_string_free (text, TRUE);
          adw_expander_row_add_action (ADW_EXPANDER_ROW (expander),
                                       new_tag (_("Addendum"), NULL));
        }
      gtk_list_box_append (list, expander);
    }
  add_more_button (self, PAGE_NOTES, count);
}

/* ---- loading ---------------------------------------------------------------------------- */

static GtkBox *
page_box (HcChartView *self,
          Page         page)
{
  GtkBox *boxes[N_PAGES] = { self->summary_box, self->encounters_box, self->orders_box,
                             self->prescriptions_box, self->results_box, self->notes_box };

  return boxes[page];
}

static void
clear_pages (HcChartView *self)
{
  for (guint p = 0; p < N_PAGES; p++)
    hc_widget_remove_children (GTK_WIDGET (page_box (self, p)));
  memset (self->plots, 0, sizeof self->plots);
  self->built = 0;
}

static void
ensure_page (HcChartView *self,
             Page         page)
{
  static void (*const builders[N_PAGES]) (HcChartView *) = {
    build_summary, build_encounters, build_orders, build_prescriptions, build_results,
    build_notes,
  };

  if (self->chart == NULL || (self->built & (1u << page)) != 0)
    return;
  self->built |= 1u << page;
  builders[page] (self);
}

static void
show_more_cb (GtkButton   *button,
              HcChartView *self)
{
  Page page = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "page"));

  self->limits[page] += MORE_ROWS;
  hc_widget_remove_children (GTK_WIDGET (page_box (self, page)));
  self->built &= ~(1u << page);
  ensure_page (self, page);
}

static void
reset_limits (HcChartView *self)
{
  for (guint p = 0; p < N_PAGES; p++)
    self->limits[p] = FIRST_ROWS;
}

static Page
page_from_name (const char *name)
{
  for (guint p = 0; p < N_PAGES; p++)
    if (g_strcmp0 (name, page_names[p]) == 0)
      return p;
  return PAGE_SUMMARY;
}

static void
visible_page_cb (HcChartView *self)
{
  ensure_page (self, page_from_name (adw_view_stack_get_visible_child_name (self->view_stack)));
}

static void
index_chart (HcChartView *self)
{
  g_hash_table_remove_all (self->by_ref);
  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *row = hc_json_array_get_object (self->chart, i);
      JsonObject *res = row_resource (row);

      if (res != NULL && resource_type (res) != NULL && hc_json_get_string (res, "id") != NULL)
        g_hash_table_insert (self->by_ref,
                             g_strconcat (resource_type (res), "/", hc_json_get_string (res, "id"),
                                          NULL),
                             row);
    }
}

static void
show_load_error (HcChartView  *self,
                 const GError *error)
{
  GtkWidget *page = adw_status_page_new ();

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "dialog-warning-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (page), _("Could Not Open the Chart"));
  adw_status_page_set_description (ADW_STATUS_PAGE (page), error->message);
  clear_pages (self);
  gtk_box_append (self->summary_box, page);
  adw_view_stack_set_visible_child_name (self->view_stack, "summary");
}

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(HcChartView) self = user_data;
  g_autoptr(JsonArray) chart = NULL;
  g_autoptr(GError) error = NULL;

  chart = hc_store_list_chart_finish (HC_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  gtk_spinner_stop (GTK_SPINNER (self->spinner));
  gtk_widget_set_visible (self->spinner, FALSE);
  self->load_serial++;

  if (chart == NULL)
    {
      if (!g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_LOCKED))
        {
          g_warning ("Could not load a chart: %s %d", g_quark_to_string (error->domain),
                     error->code);
          show_load_error (self, error);
        }
      return;
    }

  g_free (self->stamp);
  self->stamp = g_steal_pointer (&self->loading_stamp);
  g_clear_pointer (&self->chart, json_array_unref);
  self->chart = g_steal_pointer (&chart);
  index_chart (self);
  clear_pages (self);
  update_allergy_banner (self);
  update_conflict_banner (self);
  visible_page_cb (self);
}

static void
stamp_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  static const char * const types[] = {
    "AllergyIntolerance", "Condition", "Composition", "DiagnosticReport", "Encounter",
    "MedicationRequest", "Observation", "Patient", "ServiceRequest", NULL,
  };
  g_autoptr(HcChartView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *stamp = hc_store_chart_stamp_finish (HC_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->check_serial++;
  /* nothing of this patient changed since the chart on screen was read (a sync applying
   * other patients' records): the chart stays, and the UI thread is spared a rebuild */
  if (!self->force_load && stamp != NULL && g_strcmp0 (stamp, self->stamp) == 0)
    {
      g_clear_object (&self->cancellable);
      return;
    }
  self->force_load = FALSE;
  g_free (self->loading_stamp);
  self->loading_stamp = g_steal_pointer (&stamp);
  gtk_widget_set_visible (self->spinner, TRUE);
  gtk_spinner_start (GTK_SPINNER (self->spinner));
  hc_store_list_chart_async (self->store, hc_patient_get_id (self->patient), types,
                             self->cancellable, load_cb, g_object_ref (self));
}

/* Reads the chart again: with @force always, else only when the patient's records changed. */
static void
load (HcChartView *self,
      gboolean     force)
{
  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->force_load |= force;
  if (self->store == NULL || self->patient == NULL || hc_store_is_locked (self->store))
    return;

  self->cancellable = g_cancellable_new ();
  hc_store_chart_stamp_async (self->store, hc_patient_get_id (self->patient), self->cancellable,
                              stamp_cb, g_object_ref (self));
}

static void
start_load (HcChartView *self)
{
  load (self, TRUE);
}

static gboolean
reload_cb (gpointer user_data)
{
  HcChartView *self = user_data;

  self->reload_id = 0;
  load (self, FALSE);
  return G_SOURCE_REMOVE;
}

/* A sync applies many changes in a row: reload once they settle. */
static void
store_changed_cb (HcChartView *self,
                  HcStore     *store)
{
  if (self->patient == NULL || self->reload_id != 0)
    return;
  self->reload_id = g_timeout_add (50, reload_cb, self);
}

static void
squeezer_cb (HcChartView *self)
{
  adw_view_switcher_bar_set_reveal (self->switcher_bar,
                                    adw_squeezer_get_visible_child (self->switcher_squeezer) ==
                                    self->switcher_none);
}

static void
load_css (void)
{
  static gboolean loaded;
  g_autoptr(GtkCssProvider) provider = NULL;
  GdkDisplay *display = gdk_display_get_default ();

  if (loaded || display == NULL)
    return;
  loaded = TRUE;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/org/housecall/Housecall/ui/hc-chart-view.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
hc_chart_view_dispose (GObject *object)
{
  HcChartView *self = HC_CHART_VIEW (object);

  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  g_clear_object (&self->patient);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_CHART_VIEW);

  G_OBJECT_CLASS (hc_chart_view_parent_class)->dispose (object);
}

static void
hc_chart_view_finalize (GObject *object)
{
  HcChartView *self = HC_CHART_VIEW (object);

  g_clear_pointer (&self->by_ref, g_hash_table_unref);
  g_clear_pointer (&self->chart, json_array_unref);
  g_free (self->stamp);
  g_free (self->loading_stamp);

  G_OBJECT_CLASS (hc_chart_view_parent_class)->finalize (object);
}

static void
hc_chart_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HcChartView *self = HC_CHART_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_chart_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  HcChartView *self = HC_CHART_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      hc_chart_view_set_store (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_chart_view_class_init (HcChartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hc_chart_view_dispose;
  object_class->finalize = hc_chart_view_finalize;
  object_class->get_property = hc_chart_view_get_property;
  object_class->set_property = hc_chart_view_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, HC_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-chart-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "hcchartview");
  gtk_widget_class_bind_template_child (widget_class, HcChartView, chart_box);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, name_label);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, facts_label);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, spinner);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, allergy_banner);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, allergy_icon);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, allergy_label);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, conflict_banner);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, conflict_label);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, switcher_squeezer);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, switcher_none);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, view_stack);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, summary_box);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, encounters_box);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, orders_box);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, prescriptions_box);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, results_box);
  gtk_widget_class_bind_template_child (widget_class, HcChartView, notes_box);
}

static void
hc_chart_view_init (HcChartView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  load_css ();
  self->by_ref = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect_object (self->view_stack, "notify::visible-child-name",
                           G_CALLBACK (visible_page_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->switcher_squeezer, "notify::visible-child",
                           G_CALLBACK (squeezer_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_set_visible (self->allergy_banner, FALSE);
  reset_limits (self);
}

/* ---- public API ------------------------------------------------------------------------- */

GtkWidget *
hc_chart_view_new (HcStore *store)
{
  g_return_val_if_fail (store == NULL || HC_IS_STORE (store), NULL);

  return g_object_new (HC_TYPE_CHART_VIEW, "store", store, NULL);
}

void
hc_chart_view_set_store (HcChartView *self,
                         HcStore     *store)
{
  g_return_if_fail (HC_IS_CHART_VIEW (self));
  g_return_if_fail (store == NULL || HC_IS_STORE (store));

  if (self->store == store)
    return;
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, store_changed_cb, self);
  g_set_object (&self->store, store);
  if (store != NULL)
    g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb), self,
                             G_CONNECT_SWAPPED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

void
hc_chart_view_set_patient (HcChartView *self,
                           HcPatient   *patient)
{
  gboolean same;

  g_return_if_fail (HC_IS_CHART_VIEW (self));
  g_return_if_fail (patient == NULL || HC_IS_PATIENT (patient));

  if (patient == NULL)
    {
      hc_chart_view_clear (self);
      return;
    }
  same = self->patient != NULL &&
         g_strcmp0 (hc_patient_get_id (self->patient), hc_patient_get_id (patient)) == 0;
  g_set_object (&self->patient, patient);
  if (!same)
    {
      /* nothing of the previous patient stays on screen while this one loads */
      g_clear_pointer (&self->stamp, g_free);
      g_clear_pointer (&self->chart, json_array_unref);
      g_hash_table_remove_all (self->by_ref);
      clear_pages (self);
      reset_limits (self);
      adw_view_stack_set_visible_child_name (self->view_stack, "summary");
    }
  update_header (self);
  if (!same)
    start_load (self);
}

HcPatient *
hc_chart_view_get_patient (HcChartView *self)
{
  g_return_val_if_fail (HC_IS_CHART_VIEW (self), NULL);

  return self->patient;
}

void
hc_chart_view_reload (HcChartView *self)
{
  g_return_if_fail (HC_IS_CHART_VIEW (self));

  start_load (self);
}

void
hc_chart_view_clear (HcChartView *self)
{
  g_return_if_fail (HC_IS_CHART_VIEW (self));

  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_set_visible (self->spinner, FALSE);
  g_clear_object (&self->patient);
  g_clear_pointer (&self->stamp, g_free);
  g_clear_pointer (&self->chart, json_array_unref);
  g_hash_table_remove_all (self->by_ref);
  clear_pages (self);
  update_header (self);
  adw_view_stack_set_visible_child_name (self->view_stack, "summary");
}

/* ---- for tests -------------------------------------------------------------------------- */

guint
_hc_chart_view_get_load_serial (HcChartView *self)
{
  return self->load_serial;
}

guint
_hc_chart_view_get_check_serial (HcChartView *self)
{
  return self->check_serial;
}

AdwViewStack *
_hc_chart_view_get_stack (HcChartView *self)
{
  return self->view_stack;
}

const char *
_hc_chart_view_get_name (HcChartView *self)
{
  return gtk_label_get_text (self->name_label);
}

const char *
_hc_chart_view_get_conflict_text (HcChartView *self)
{
  return gtk_widget_get_visible (self->conflict_banner) ? gtk_label_get_text (self->conflict_label)
                                                        : NULL;
}

const char *
_hc_chart_view_get_allergy_text (HcChartView *self)
{
  return gtk_label_get_text (self->allergy_label);
}

const char *
_hc_chart_view_get_allergy_style (HcChartView *self)
{
  static const char * const styles[] = { "allergy-high", "allergy-present", "allergy-none",
                                         "allergy-unknown" };

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    if (gtk_widget_has_css_class (self->allergy_banner, styles[i]))
      return styles[i];
  return NULL;
}

HcTrendPlot *
_hc_chart_view_get_plot (HcChartView *self,
                         const char  *name)
{
  ensure_page (self, PAGE_SUMMARY);
  if (g_strcmp0 (name, "weight") == 0)
    return self->plots[PLOT_WEIGHT];
  if (g_strcmp0 (name, "blood-pressure") == 0)
    return self->plots[PLOT_BP];
  if (g_strcmp0 (name, "hba1c") == 0)
    return self->plots[PLOT_A1C];
  return NULL;
}

static void
collect_text (GtkWidget *widget,
              GString   *text,
              const char *css_class,
              guint      *count)
{
  if (css_class != NULL && gtk_widget_has_css_class (widget, css_class))
    (*count)++;
  if (GTK_IS_LABEL (widget) && *gtk_label_get_text (GTK_LABEL (widget)) != '\0')
    g_string_append_printf (text, "%s\n", gtk_label_get_text (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_text (child, text, css_class, count);
}

char *
_hc_chart_view_get_page_text (HcChartView *self,
                              const char  *page)
{
  GString *text = g_string_new (NULL);
  guint count = 0;

  ensure_page (self, page_from_name (page));
  collect_text (GTK_WIDGET (page_box (self, page_from_name (page))), text, NULL, &count);
  return g_string_free (text, FALSE);
}

char *
_hc_chart_view_get_all_text (HcChartView *self)
{
  GString *text = g_string_new (NULL);
  guint count = 0;

  collect_text (GTK_WIDGET (self), text, NULL, &count);
  return g_string_free (text, FALSE);
}

guint
_hc_chart_view_count_class (HcChartView *self,
                            const char  *page,
                            const char  *css_class)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint count = 0;

  ensure_page (self, page_from_name (page));
  collect_text (GTK_WIDGET (page_box (self, page_from_name (page))), text, css_class, &count);
  return count;
}
