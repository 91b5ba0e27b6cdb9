/* xml.c: the only door to libxml2.
 * Parsing goes straight from SAX2 events into a dnode tree (no libxml2 DOM
 * is built, which keeps it fast).  Hardening: a DOCTYPE stops the parser
 * before any declaration is read (so no entity can be defined, expanded or
 * fetched), XML_PARSE_NONET, no DTD loading; NUL
 * bytes are refused up front; libxml2 itself refuses invalid UTF-8 and
 * trailing content.  Nothing is printed: the first error is recorded as
 * "LABEL:LINE: message".
 * libxml2 (and the ICU and C++ runtimes it pulls in) is loaded with
 * dlopen on the first parse: most commands (list, complete, version,
 * start of a stored domain's state...) never parse XML, and linking it
 * cost every process ~3 M instructions of relocations at start-up. */
#include "xml.h"
#include "../base/buf.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xpath.h>
#include <libxml/xmlsave.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIBXML_SONAME "libxml2.so.2"
#define LIBXML_FUNCS(X) X(xmlStopParser) X(xmlCreateMemoryParserCtxt) X(xmlCtxtUseOptions) \
    X(xmlParseDocument) X(xmlFreeParserCtxt) X(xmlBufferCreate) X(xmlNodeDump) \
    X(xmlBufferContent) X(xmlBufferFree) X(xmlReadMemory) X(xmlXPathNewContext) \
    X(xmlXPathEvalExpression) X(xmlXPathFreeObject) X(xmlXPathFreeContext) X(xmlFreeDoc)

/* the libxml2 entry points, resolved once by libxml_load */
static struct {
#define LIBXML_FIELD(f) __typeof__(&f) f;
    LIBXML_FUNCS(LIBXML_FIELD)
#undef LIBXML_FIELD
    xmlFreeFunc *free_fn;   /* the xmlFree variable */
} lx;

static int libxml_load(struct err **e)
{
    static int state;        /* 0 not tried, 1 loaded, -1 failed */
    static char why[256];
    if (state == 0) {
        void *h = dlopen(LIBXML_SONAME, RTLD_LAZY | RTLD_LOCAL);
        bool ok = h != NULL;
#define LIBXML_SYM(f) ok = ok && (*(void **)&lx.f = dlsym(h, #f)) != NULL;
        LIBXML_FUNCS(LIBXML_SYM)
#undef LIBXML_SYM
        ok = ok && (*(void **)&lx.free_fn = dlsym(h, "xmlFree")) != NULL;
        const char *dl = ok ? NULL : dlerror();
        snprintf(why, sizeof(why), "%s", dl ? dl : "a symbol is missing");
        state = ok ? 1 : -1;
    }
    if (state < 0)
        return err_set(e, ERR_XML, "cannot load %s: %s", LIBXML_SONAME, why);
    return 0;
}

struct sax_state {
    xmlParserCtxtPtr ctxt;
    const char *label;
    struct dnode *root, *cur;
    struct buf text;        /* character data of the current element */
    int err_line;
    char *err_msg;          /* first error */
};

static int cur_line(struct sax_state *st)
{
    return st->ctxt && st->ctxt->input ? st->ctxt->input->line : 0;
}

static void fail(struct sax_state *st, int line, const char *msg)
{
    if (st->err_msg)
        return;
    st->err_line = line;
    st->err_msg = xstrdup(msg);
    lx.xmlStopParser(st->ctxt);
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return false;
    return true;
}

/* text belongs to the element it is directly in; next to child elements
 * (child: a child element starts) the blanks around it are indentation,
 * so mixed content keeps only the trimmed text */
static void flush_text(struct sax_state *st, bool child)
{
    if (!st->cur || st->text.len == 0)
        return;
    struct dnode *n = st->cur;
    if (child || n->nkids) {
        size_t a = 0, z = st->text.len;
        while (a < z && blank(st->text.s + a, 1))
            a++;
        while (z > a && blank(st->text.s + z - 1, 1))
            z--;
        if (a == z) {
            buf_reset(&st->text);
            return;
        }
        memmove(st->text.s, st->text.s + a, z - a);
        st->text.len = z - a;
        st->text.s[st->text.len] = '\0';
    }
    if (!n->text) {
        n->text = buf_steal(&st->text);
        return;
    }
    char *joined = xasprintf("%s%s", n->text, buf_str(&st->text));
    free(n->text);
    n->text = joined;
    buf_reset(&st->text);
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attrs,
                     int nb_defaulted, const xmlChar **attrs)
{
    struct sax_state *st = ctx;
    if (st->err_msg)
        return;
    flush_text(st, true);
    struct dnode *n;
    if (prefix) {
        AUTOFREE char *q = xasprintf("%s:%s", (const char *)prefix, (const char *)localname);
        n = dnode_new(q);
    } else {
        n = dnode_new((const char *)localname);
    }
    n->line = cur_line(st);
    for (int i = 0; i < nb_attrs; i++) {
        const xmlChar **a = attrs + 5 * i;
        AUTOFREE char *v = xstrndup((const char *)a[3], (size_t)(a[4] - a[3]));
        if (a[1]) {
            AUTOFREE char *q = xasprintf("%s:%s", (const char *)a[1], (const char *)a[0]);
            dnode_set_attr(n, q, v);
        } else {
            dnode_set_attr(n, (const char *)a[0], v);
        }
    }
    if (st->cur)
        dnode_append(st->cur, n);
    else
        st->root = n;
    st->cur = n;
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    struct sax_state *st = ctx;
    if (st->err_msg || !st->cur)
        return;
    flush_text(st, false);
    struct dnode *n = st->cur;
    if (n->nkids && n->text) {
        const char *t = n->text;
        while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
            t++;
        if (!*t) {
            free(n->text);
            n->text = NULL;
        }
    }
    st->cur = n->parent;
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
    struct sax_state *st = ctx;
    if (!st->err_msg && st->cur)
        buf_addn(&st->text, (const char *)ch, (size_t)len);
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    struct sax_state *st = ctx;
    fail(st, cur_line(st), "a DOCTYPE is not allowed in domain XML (entities are never expanded)");
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pub,
                           const xmlChar *sys, xmlChar *content)
{
    struct sax_state *st = ctx;
    fail(st, cur_line(st), "entity declarations are not allowed");
}

static void on_error(void *ctx, xmlErrorPtr err)
{
    struct sax_state *st = ctx;
    if (!err || err->level < XML_ERR_ERROR)
        return;
    AUTOFREE char *msg = xstrdup(err->message ? err->message : "malformed XML");
    for (char *p = msg; *p; p++)     /* one line: libxml2 splits some messages */
        if (*p == '\n' && p[1])
            *p = ' ';
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    if (n && msg[0] >= 'A' && msg[0] <= 'Z' && !(msg[1] >= 'A' && msg[1] <= 'Z'))
        msg[0] = (char)(msg[0] - 'A' + 'a');
    fail(st, err->line > 0 ? err->line : cur_line(st), msg);
}

static void init_sax(xmlSAXHandler *sax)
{
    memset(sax, 0, sizeof(*sax));
    sax->initialized = XML_SAX2_MAGIC;
    sax->startElementNs = on_start;
    sax->endElementNs = on_end;
    sax->characters = on_chars;
    sax->cdataBlock = on_chars;
    sax->internalSubset = on_doctype;
    sax->externalSubset = on_doctype;
    sax->entityDecl = on_entity_decl;
    sax->serror = on_error;
}

static int line_of(const char *data, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off; i++)
        line += data[i] == '\n';
    return line;
}

static struct dnode *sax_parse(const char *data, size_t len, struct sax_state *st)
{
    xmlSAXHandler sax;
    init_sax(&sax);
    xmlParserCtxtPtr ctxt = lx.xmlCreateMemoryParserCtxt(data, (int)len);
    if (!ctxt) {
        st->err_msg = xstrdup("cannot create the XML parser");
        return NULL;
    }
    (*lx.free_fn)(ctxt->sax);
    ctxt->sax = &sax;
    ctxt->userData = st;
    st->ctxt = ctxt;
    lx.xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_BIG_LINES);
    /* safe: the DOCTYPE hook stops the parser before any entity can be
     * declared, so this only decodes &amp; and character references in
     * attribute values (libxml2 keeps them encoded otherwise) */
    ctxt->replaceEntities = 1;
    ctxt->loadsubset = 0;
    ctxt->validate = 0;
    lx.xmlParseDocument(ctxt);
    if (!st->err_msg && !ctxt->wellFormed)
        fail(st, cur_line(st), "malformed XML");
    if (!st->err_msg && !st->root)
        fail(st, cur_line(st), "document is empty");
    ctxt->sax = NULL;
    st->ctxt = NULL;
    lx.xmlFreeParserCtxt(ctxt);
    buf_free(&st->text);
    if (st->err_msg) {
        dnode_free(st->root);
        return NULL;
    }
    return st->root;
}

struct dnode *xml_parse(const char *data, size_t len, const char *label, struct err **e)
{
    if (!label)
        label = "(xml)";
    if (len > INT_MAX) {
        err_set(e, ERR_XML, "%s: document too large", label);
        return NULL;
    }
    const char *nul = memchr(data, '\0', len);
    if (nul) {
        err_set(e, ERR_XML, "%s:%d: NUL byte in the document", label, line_of(data, (size_t)(nul - data)));
        return NULL;
    }
    if (len == 0) {
        err_set(e, ERR_XML, "%s:1: document is empty", label);
        return NULL;
    }
    if (libxml_load(e) < 0)
        return NULL;
    struct sax_state st = {.label = label};
    struct dnode *root = sax_parse(data, len, &st);
    if (!root) {
        err_set(e, ERR_XML, "%s:%d: %s", label, st.err_line, st.err_msg);
        free(st.err_msg);
        return NULL;
    }
    return root;
}

/* ---- XPath (dumpxml --xpath), answering as virsh does: each node of the
 * node set serialized on its own (an attribute as ` name="value"`), any
 * other result type refused ---- */

static void xpath_quiet(void *ctx, xmlErrorPtr err)
{
}

static void push_nodes(xmlDocPtr doc, xmlNodeSetPtr set, struct strv *out)
{
    for (int i = 0; set && i < set->nodeNr; i++) {
        xmlBufferPtr b = lx.xmlBufferCreate();
        lx.xmlNodeDump(b, doc, set->nodeTab[i], 0, 0);
        strv_push(out, (const char *)lx.xmlBufferContent(b));
        lx.xmlBufferFree(b);
    }
}

int xml_xpath(const char *xml, const char *expr, struct strv *out, struct err **e)
{
    if (libxml_load(e) < 0)
        return -1;
    xmlDocPtr doc = lx.xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return err_set(e, ERR_XML, "cannot parse the domain XML for the XPath query");
    xmlXPathContextPtr ctx = lx.xmlXPathNewContext(doc);
    xmlXPathObjectPtr obj = NULL;
    if (ctx) {
        ctx->error = xpath_quiet;
        obj = lx.xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    }
    int rc = 0;
    if (!obj || obj->type != XPATH_NODESET)
        rc = err_set(e, ERR_ARGS, "incorrect XPath expression '%s'", expr);
    else
        push_nodes(doc, obj->nodesetval, out);
    lx.xmlXPathFreeObject(obj);
    lx.xmlXPathFreeContext(ctx);
    lx.xmlFreeDoc(doc);
    return rc;
}
