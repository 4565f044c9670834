// Fetch-delay probe: how long after it was produced a consumer gets a record from the broker, for a given
// fetch.wait.max.ms. A producer (linger.ms=0) writes one record every PERIOD_MS ms, with the current time as its
// timestamp, to a topic of 6 partitions; a consumer assigned to all of them from their end reads them and
// prints p50/p90/p99/max of (arrival - timestamp) and the consumer's Fetch requests per second meanwhile.
//   sonda-fetch BROKERS TOPIC PERIOD_MS SECONDS [librdkafka-property value]...
// Built and run by sonda-fetch.sh.
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>
static const char *brokers, *topic; static int period_ms, seconds; static volatile int stop;
static long long now_ms(void){struct timespec t;clock_gettime(CLOCK_REALTIME,&t);return t.tv_sec*1000LL+t.tv_nsec/1000000;}
static void *produce(void *a){ char e[512]; rd_kafka_conf_t *c=rd_kafka_conf_new();
 rd_kafka_conf_set(c,"bootstrap.servers",brokers,e,sizeof e); rd_kafka_conf_set(c,"linger.ms","0",e,sizeof e);
 rd_kafka_t *p=rd_kafka_new(RD_KAFKA_PRODUCER,c,e,sizeof e);
 int n=seconds*1000/period_ms; for(int i=0;i<n;i++){ char k[16]; snprintf(k,16,"%d",i);
  rd_kafka_producev(p,RD_KAFKA_V_TOPIC(topic),RD_KAFKA_V_KEY(k,strlen(k)),RD_KAFKA_V_VALUE("x",1),RD_KAFKA_V_TIMESTAMP(now_ms()),RD_KAFKA_V_END);
  rd_kafka_poll(p,0); usleep(period_ms*1000);} rd_kafka_flush(p,5000); rd_kafka_destroy(p); return 0;}
static volatile long fetches; // Fetch requests sent so far, from librdkafka's statistics (brokers.*.req.Fetch)
static int stats(rd_kafka_t *rk, char *json, size_t len, void *opaque){ long total=0; const char *p=json;
 while((p=strstr(p,"\"Fetch\":"))){ total+=atol(p+8); p+=8; } fetches=total; return 0; }
static int cmp(const void*a,const void*b){long long x=*(long long*)a,y=*(long long*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){ brokers=argv[1]; topic=argv[2]; period_ms=atoi(argv[3]); seconds=atoi(argv[4]);
 char e[512]; rd_kafka_conf_t *c=rd_kafka_conf_new(); char g[64]; snprintf(g,64,"probe-%lld",now_ms());
 rd_kafka_conf_set(c,"bootstrap.servers",brokers,e,sizeof e); rd_kafka_conf_set(c,"group.id",g,e,sizeof e);
 rd_kafka_conf_set(c,"auto.offset.reset","earliest",e,sizeof e); rd_kafka_conf_set(c,"statistics.interval.ms","500",e,sizeof e); rd_kafka_conf_set_stats_cb(c,stats);
 for(int i=5;i+1<argc;i+=2) if(rd_kafka_conf_set(c,argv[i],argv[i+1],e,sizeof e)){fprintf(stderr,"%s\n",e);return 1;}
 rd_kafka_t *k=rd_kafka_new(RD_KAFKA_CONSUMER,c,e,sizeof e); rd_kafka_poll_set_consumer(k);
 rd_kafka_topic_partition_list_t *l=rd_kafka_topic_partition_list_new(1); for(int p=0;p<6;p++) rd_kafka_topic_partition_list_add(l,topic,p)->offset=RD_KAFKA_OFFSET_END;
 rd_kafka_assign(k,l); long long t0=now_ms(); while(now_ms()-t0<2000){rd_kafka_message_t*m=rd_kafka_consumer_poll(k,100); if(m)rd_kafka_message_destroy(m);}
 long f0=fetches; long long s0=now_ms(); pthread_t th; pthread_create(&th,0,produce,0); int n=seconds*1000/period_ms; long long *d=calloc(n+10,8); int got=0; long long end=now_ms()+seconds*1000+5000;
 while(got<n && now_ms()<end){ rd_kafka_message_t*m=rd_kafka_consumer_poll(k,100); if(!m)continue; if(!m->err){ d[got++]=now_ms()-rd_kafka_message_timestamp(m,0);} rd_kafka_message_destroy(m);}
 long f1=fetches; long long s1=now_ms(); pthread_join(th,0); qsort(d,got,8,cmp);
 printf("n=%d p50=%lld p90=%lld p99=%lld max=%lld ms, %.1f fetch requests/s\n",got,d[got/2],d[got*9/10],d[got*99/100],d[got-1],(f1-f0)*1000.0/(s1-s0));
 rd_kafka_consumer_close(k); rd_kafka_destroy(k); return 0;}
